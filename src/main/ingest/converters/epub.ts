import { parseHTML } from 'linkedom';
import path from 'node:path';
import type { Converter } from '../document';
import { problems } from '../outcome';
import { unzipGuarded, utf8Text } from '../zip';
import { HeadingStack, htmlToBlocks } from './html-blocks';

// EPUB: META-INF/container.xml names the package document; its spine orders the chapters; each chapter is one "page".

const attr = (tag: string, name: string) => new RegExp(`\\b${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];

export const convertEpub: Converter = async function* (input) {
  const files = unzipGuarded(input.bytes, input.limits, 'EPUB book', (name) => /\.(xml|opf|x?html?|ncx)$/i.test(name) || name === 'mimetype');
  const container = utf8Text(files.get('META-INF/container.xml'));
  const opfPath = /<rootfile\b[^>]*full-path\s*=\s*["']([^"']+)["']/i.exec(container)?.[1];
  if (!opfPath || !files.has(opfPath)) throw problems.corruptDocument('EPUB book', 'its package document (content.opf) is missing');
  const opf = utf8Text(files.get(opfPath));
  const base = path.posix.dirname(opfPath);
  const manifest = new Map<string, string>();
  for (const [item] of opf.matchAll(/<item\b[^>]*>/gi)) {
    const id = attr(item, 'id');
    const href = attr(item, 'href');
    if (id && href) manifest.set(id, path.posix.normalize(path.posix.join(base, decodeURIComponent(href))));
  }
  const spine = [...opf.matchAll(/<itemref\b[^>]*>/gi)].map(([ref]) => manifest.get(attr(ref, 'idref') ?? '')).filter((p): p is string => !!p && files.has(p));
  if (spine.length === 0) throw problems.corruptDocument('EPUB book', 'its spine lists no readable chapters');
  const title = /<dc:title[^>]*>([^<]+)</i.exec(opf)?.[1]?.trim() ?? null;

  const headings = new HeadingStack();
  input.onProgress(0, spine.length);
  for (const [index, chapterPath] of spine.entries()) {
    const { document } = parseHTML(utf8Text(files.get(chapterPath)));
    const body = document.body ?? document.documentElement;
    yield { number: index + 1, label: null, blocks: body ? htmlToBlocks(body as never, headings) : [] };
    input.onProgress(index + 1, spine.length);
  }
  return { title, pageCount: spine.length, pagesWithoutText: [], garbledPages: [] };
};
