import type { Block } from '../document';

// Tables (spreadsheets, CSV, PDF) become Markdown tables in blocks of rows, each block repeating the header row.

const ROWS_PER_BLOCK = 25;
const cell = (value: string) => value.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');

/** `header: false` for tables whose first row is data (a PDF table without column names): the header row is left blank. */
export function rowsToTableBlocks(rows: string[][], headingPath: string[], options: { header?: boolean } = {}): Block[] {
  const nonBlank = rows.filter((row) => row.some((value) => value?.trim()));
  if (nonBlank.length === 0) return [];
  const filled = options.header === false ? [nonBlank[0]!.map(() => ''), ...nonBlank] : nonBlank;
  // Spreadsheets pad tables with blank columns (margins, merged-cell remainders); those carry nothing.
  const columns = Array.from({ length: Math.max(...filled.map((row) => row.length)) }, (_, i) => i).filter((i) => filled.some((row) => row[i]?.trim()));
  const nonEmpty = filled.map((row) => columns.map((i) => row[i] ?? ''));
  const width = columns.length;
  const line = (row: string[]) => `| ${Array.from({ length: width }, (_, i) => cell(row[i] ?? '')).join(' | ')} |`;
  const header = `${line(nonEmpty[0])}\n|${' --- |'.repeat(width)}`;
  const body = nonEmpty.slice(1).map(line);
  if (body.length === 0) return [{ kind: 'table', text: header, tableHeader: header, headingPath }];
  const blocks: Block[] = [];
  for (let start = 0; start < body.length; start += ROWS_PER_BLOCK) {
    const rows = body.slice(start, start + ROWS_PER_BLOCK);
    // A piece of a longer table says which rows it holds, so a cited piece still reads as part of the whole.
    const tableRows = body.length > ROWS_PER_BLOCK ? { tableRows: { first: start + 1, last: start + rows.length, total: body.length } } : {};
    blocks.push({ kind: 'table', text: [header, ...rows].join('\n'), tableHeader: header, headingPath, ...tableRows });
  }
  return blocks;
}
