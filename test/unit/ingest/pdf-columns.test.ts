import { describe, expect, it } from 'vitest';
import { convertPdf } from '../../../src/main/ingest/converters/pdf';
import { defaultLimits, type SourcePage } from '../../../src/main/ingest/document';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { toBlocks } from '../../../src/renderer/features/viewer/pageBlocks';
import { contentStreamPdf, pdfString } from '../../fixtures/ingest/generated-pdf';

// A two-column page written in the test: a title and a results table across both columns, then two columns of
// sentences wrapped at about 44 characters, the right column set half a line lower, as typesetters do beside floats.

const LEFT = [
  'Trace trees record the hot loops of a program and compile each of them to native code.',
  'Native traces take about 9 cycles per bytecode, a 3.9x speedup over the interpreter.',
  'Recording and compiling are clearly both expensive, and a better implementation would improve startup performance.',
];
const RIGHT = [
  'The closest area of related work is on applying trace optimization to type-specialize dynamic languages.',
  'Psyco does not attempt to identify hot loops or inline function calls.',
  'Dynamo introduced native code tracing as a replacement for profile-guided optimization.',
];
// Ten columns of figures across the page, one of them straddling the gutter, over more rows than a column has lines.
const TABLE = [
  ['Benchmark', 'Loops', 'Trees', 'Traces', 'Aborts', 'Flushes', 'Speedup'],
  ...Array.from({ length: 16 }, (_, r) => [`bench-${r}`, `${r + 2}`, `${r + 5}`, `${r * 3 + 1}`, `${r % 4}`, '0', `${(r + 11) / 5}x`]),
];
/** Greedy wrap at `width` characters, as a narrow column does. */
function wrap(sentences: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of sentences.join(' ').split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

const at = (x: number, y: number, size: number, text: string) => `BT /F1 ${size} Tf ${x} ${y} Td ${pdfString(text)} Tj ET`;

function twoColumnPage(): Uint8Array {
  const ops = [at(180, 740, 16, 'Tracing Dynamic Languages')];
  TABLE.forEach((row, r) => row.forEach((cell, c) => ops.push(at(60 + c * 80, 720 - r * 10, 8, cell))));
  wrap(LEFT, 44).forEach((line, i) => ops.push(at(56, 520 - i * 12, 10, line)));
  wrap(RIGHT, 44).forEach((line, i) => ops.push(at(316, 514 - i * 12, 10, line)));
  return contentStreamPdf([ops.join('\n')]);
}

describe('PDF two-column reading order (generated page)', () => {
  it('reads the spanning title and table first, then the left column, then the right, each sentence whole', async () => {
    const run = convertPdf({ bytes: twoColumnPage(), fileName: 'columns.pdf', limits: defaultLimits, onProgress: () => undefined });
    const pages: SourcePage[] = [];
    for (let step = await run.next(); !step.done; step = await run.next()) pages.push(step.value);
    expect(pages).toHaveLength(1);
    const text = placeBlocks(pages[0]!).text.replace(/\s+/g, ' ');
    for (const sentence of [...LEFT, ...RIGHT]) expect(text).toContain(sentence);
    // The table is read into its cells (a Markdown table the viewer shows as a table), header first.
    const cells = (row: string[]) => `| ${row.join(' | ')} |`;
    for (const row of TABLE) expect(text).toContain(cells(row));
    expect(pages[0]!.blocks.filter((block) => block.kind === 'table').map((block) => block.tableHeader)).toEqual([`${cells(TABLE[0]!)}\n|${' --- |'.repeat(7)}`]);
    // The viewer shows it as a table: header cells, then each row's cells, never a paragraph of pipes.
    const viewed = toBlocks(placeBlocks(pages[0]!).text, null);
    expect(viewed.filter((block) => block.table).map((block) => [block.table!.header, block.table!.rows])).toEqual([[TABLE[0], TABLE.slice(1)]]);
    expect(viewed.filter((block) => !block.table && block.text.includes('|'))).toEqual([]);
    const order = ['Tracing Dynamic Languages', cells(TABLE[0]!), cells(TABLE.at(-1)!), LEFT[0]!, LEFT.at(-1)!, RIGHT[0]!, RIGHT.at(-1)!].map((part) => text.indexOf(part));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
