import { findPassage } from './findPassage';

// Splits converted page text into headings and paragraphs for the text viewer and spreads the cited passage's
// range over the blocks it covers.

export interface Block {
  id: string;
  heading: boolean;
  text: string;
  /** The slice of this block inside the cited passage, if any. */
  mark: [number, number] | null;
}

/** Paragraphs (blank-line separated; Markdown "#" lines are headings) with the passage range spread over them. */
export function toBlocks(text: string, passage: string | null): Block[] {
  const range = passage ? findPassage(text, passage) : null;
  const blocks: Block[] = [];
  const pattern = /[^\n]+(?:\n(?!\s*\n|#)[^\n]+)*/g;
  for (const match of text.matchAll(pattern)) {
    const start = match.index;
    const end = start + match[0].length;
    const heading = /^#{1,6}\s/.test(match[0]);
    const offset = heading ? match[0].match(/^#{1,6}\s+/)![0].length : 0;
    const mark: [number, number] | null = range && range.end > start && range.start < end ? [Math.max(range.start, start) - start - offset, Math.min(range.end, end) - start - offset] : null;
    blocks.push({ id: `block-${start}`, heading, text: match[0].slice(offset), mark: mark && [Math.max(0, mark[0]), Math.max(0, mark[1])] });
  }
  return blocks;
}
