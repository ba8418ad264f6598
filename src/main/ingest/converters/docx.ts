import mammoth from 'mammoth';
import { parseHTML } from 'linkedom';
import type { Converter } from '../document';
import { problems } from '../outcome';
import { unzipGuarded } from '../zip';
import { htmlToBlocks } from './html-blocks';

// Word documents through mammoth's semantic HTML (headings, lists, tables), then the shared HTML walker.
// A .docx has no fixed pages, so the whole document is page 1.

export const convertDocx: Converter = async function* (input) {
  // The guard also rejects truncated archives before mammoth sees them.
  unzipGuarded(input.bytes, input.limits, 'Word document', () => false);
  input.onProgress(0, 1);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(input.bytes) })).value;
  } catch (cause) {
    throw problems.corrupt('Word document', (cause as Error)?.message ?? 'unreadable', cause);
  }
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  const blocks = htmlToBlocks(document.body as never);
  input.onProgress(1, 1);
  yield { number: 1, label: null, blocks };
  return { title: blocks.find((b) => b.kind === 'heading')?.text ?? null, pageCount: 1, pagesWithoutText: [], garbledPages: [] };
};
