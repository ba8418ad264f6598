import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { Converter } from '../document';
import { decodeText } from '../../text/decode';
import { htmlToBlocks } from './html-blocks';

// Web pages: charset from BOM, <meta charset> or detection; Readability keeps the main content and drops navigation chrome.

function declaredCharset(bytes: Uint8Array): string | null {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
  return /<meta[^>]+charset=["']?\s*([\w-]+)/i.exec(head)?.[1] ?? null;
}

export const convertHtml: Converter = async function* (input) {
  input.onProgress(0, 1);
  const { text } = decodeText(input.bytes, declaredCharset(input.bytes));
  // linkedom builds no <body> for a bare fragment, so fragments are wrapped in a page.
  const { document } = parseHTML(/<html[\s>]/i.test(text) ? text : `<!doctype html><html><body>${text}</body></html>`);
  const pageTitle = document.querySelector('title')?.textContent?.trim() || null;
  let article: { title?: string | null; content?: string | null } | null = null;
  try {
    article = new Readability(document.cloneNode(true) as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  } catch {
    article = null; // fall back to the whole body below
  }
  const root = article?.content ? (parseHTML(`<!doctype html><html><body>${article.content}</body></html>`).document.body as never) : (document.body as never);
  const blocks = root ? htmlToBlocks(root) : [];
  input.onProgress(1, 1);
  yield { number: 1, label: null, blocks };
  return { title: article?.title?.trim() || pageTitle, pageCount: 1, pagesWithoutText: [], garbledPages: [] };
};
