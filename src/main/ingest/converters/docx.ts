import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import type { Converter } from '../document';
import { problems } from '../outcome';
import { isMarkupPart, ZipPackage } from '../zip';
import { htmlToBlocks } from './html-blocks';

// Word documents through mammoth's semantic HTML (headings, lists, tables), then the shared HTML walker.
// A .docx has no fixed pages, so the whole document is page 1.

export const convertDocx: Converter = async function* (input) {
  // Limits and damage are found here, part by part and bounded, before mammoth inflates the package again.
  ZipPackage.open(input.bytes, input.limits, 'Word document').verify(isMarkupPart);
  input.onProgress(0, 1);
  let html: string;
  try {
    // Images are never decoded: only their alt text is indexed.
    const convertImage = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(input.bytes) }, { convertImage })).value;
  } catch (cause) {
    throw problems.corruptDocument('Word document', 'its text cannot be read', cause);
  }
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const blocks = htmlToBlocks(document.body as never);
  input.onProgress(1, 1);
  yield { number: 1, label: null, blocks };
  return { title: blocks.find((b) => b.kind === 'heading')?.text ?? null, pageCount: 1, pagesWithoutText: [], garbledPages: [] };
};
