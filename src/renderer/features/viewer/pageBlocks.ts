import { findPassage } from './findPassage';

// Splits converted page text into headings, paragraphs and tables for the text viewer and spreads the cited passage's
// range over the blocks it covers.

export interface Block {
  id: string;
  heading: boolean;
  text: string;
  /** The slice of this block inside the cited passage, if any. */
  mark: [number, number] | null;
  /** A table the converter wrote as Markdown (spreadsheets, CSV, Word and web tables): its rows of cells, header first. */
  table: TableRows | null;
}

export interface TableRows {
  header: string[];
  rows: string[][];
  /** Rows (0 is the header) that lie inside the cited passage. */
  marked: number[];
}

const SEPARATOR_ROW = /^\|(?:\s*:?-{3,}:?\s*\|)+\s*$/;

/** The cells of one Markdown table row: split at pipes the converter did not escape, "\|" back to "|". */
export function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** A block of lines that is a Markdown table (a header row, its --- row, then rows), as cells; null otherwise. */
function asTable(text: string, mark: [number, number] | null): TableRows | null {
  const lines = text.split('\n');
  if (lines.length < 2 || !SEPARATOR_ROW.test(lines[1]!) || !lines.every((line) => line.trimStart().startsWith('|'))) return null;
  const marked: number[] = [];
  let offset = 0;
  lines.forEach((line, i) => {
    if (mark && i !== 1 && mark[1] > offset && mark[0] < offset + line.length) marked.push(i === 0 ? 0 : i - 1);
    offset += line.length + 1;
  });
  return { header: tableCells(lines[0]!), rows: lines.slice(2).map(tableCells), marked };
}

/** Paragraphs (blank-line separated; Markdown "#" lines are headings; pipe tables are tables) with the passage range spread over them. */
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
    const clamped: [number, number] | null = mark && [Math.max(0, mark[0]), Math.max(0, mark[1])];
    blocks.push({ id: `block-${start}`, heading, text: match[0].slice(offset), mark: clamped, table: heading ? null : asTable(match[0], clamped) });
  }
  return blocks;
}
