import type { Block, Converter } from '../document';
import { decodeText } from '../../text/decode';

// Plain text: decoded (BOM, UTF-16, Latin-1 detection), split into paragraphs at blank lines; form feeds start new pages.

export function textBlocks(text: string): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/[ \t]+\n/g, '\n').trim())
    .filter(Boolean)
    .map((paragraph) => ({ kind: 'paragraph' as const, text: paragraph, headingPath: [] }));
}

export const convertText: Converter = async function* (input) {
  const { text } = decodeText(input.bytes);
  const pages = text.replace(/\r\n?/g, '\n').split('\f');
  input.onProgress(0, pages.length);
  for (const [index, page] of pages.entries()) {
    yield { number: index + 1, label: null, blocks: textBlocks(page) };
    input.onProgress(index + 1, pages.length);
  }
  return { title: null, pageCount: pages.length, pagesWithoutText: [], garbledPages: [] };
};
