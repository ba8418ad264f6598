import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { convertDocx } from '../../../src/main/ingest/converters/docx';
import { convertPdf } from '../../../src/main/ingest/converters/pdf';
import { defaultLimits, type Converter } from '../../../src/main/ingest/document';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { toBlocks } from '../../../src/renderer/features/viewer/pageBlocks';
import { corpusFile, describeWithCorpus } from '../../support/corpus';

// Issue 17 item 8 on real pages: the text a user reads in the viewer and in extractive answers (the stored page text)
// keeps each sentence of a two-column paper whole, numbers such as "3.0x" and footnote marks where they were printed,
// URLs unbroken, tables as tables, and no doubled bullets. Every expected sentence was read off the page image and
// `pdftotext -layout`; none of the rules under test names these documents.

const TRACEMONKEY = 'corpus/docs/pdf/tracemonkey.pdf';
const DPR = 'corpus/docs/pdf/multi-column.pdf';
const DOCX_TABLES = 'corpus/docs/office/docx-tables.docx';

/** Each page's stored text (blocks joined as the store joins them), by page number. */
async function pageTexts(convert: Converter, rel: string): Promise<string[]> {
  const run = convert({ bytes: new Uint8Array(readFileSync(corpusFile(rel))), fileName: rel.split('/').pop()!, limits: defaultLimits, onProgress: () => undefined });
  const texts: string[] = [];
  for (let step = await run.next(); !step.done; step = await run.next()) texts[step.value.number - 1] = placeBlocks(step.value).text;
  return texts;
}

/** Whitespace (line and block breaks) is not what these cases are about: a sentence must read on, word by word. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describeWithCorpus([TRACEMONKEY, DPR, DOCX_TABLES], 'text fidelity on the shared documents', () => {
  let tracemonkey: string[];
  let dpr: string[];

  beforeAll(async () => {
    [tracemonkey, dpr] = await Promise.all([pageTexts(convertPdf, TRACEMONKEY), pageTexts(convertPdf, DPR)]);
  }, 60_000);

  it('reads the two columns of a page under a full-width table one after the other, never spliced line by line', () => {
    // TraceMonkey p. 12: Figure 13's table spans both columns; below it the left column's evaluation and the right
    // column's "8. Related Work" sit side by side on shared baselines.
    const page = flat(tracemonkey[11]!);
    expect(page).toContain('Native traces take about 9 cycles per bytecode, a 3.9x speedup over the interpreter.');
    expect(page).toContain('The other VMs we compared with achieve an overall speedup of 3.0x relative to our baseline interpreter.');
    expect(page).toContain('Trace optimization for dynamic languages. The closest area of related work is on applying trace optimization to type-specialize dynamic languages.');
    expect(page).toContain('To our knowledge, Rigo’s Psyco (16) is the only published type-specializing trace compiler for a dynamic language (Python).');
    // The whole left column comes before the right one, and the sentence running from the foot of the left column to
    // the head of the right one stays in one paragraph.
    expect(page.indexOf('would improve startup performance.')).toBeLessThan(page.indexOf('8. Related Work'));
    expect(tracemonkey[11]!.split('\n\n').map(flat)).toContainEqual(
      expect.stringContaining('We are able to outperform the fastest available JavaScript compiler (V8) and the fastest available JavaScript inline threaded interpreter (SFX) on 9 of 26 benchmarks.'),
    );
    // The table above them is read into cells, each benchmark with its own figures.
    expect(page).toContain('| 3d-raytrace | 10 | 25 | 100 | 10 | 1 | 2.5 | 4.0 | 10.0 | 1.18x |');
    expect(page).toContain('| string-validate-input | 6 | 10 | 13 | 1 | 0 | 1.7 | 1.3 | 2.2 | 1.86x |');
  });

  it('shows a PDF results table as a table in the viewer, benchmark names in the first column', () => {
    // TraceMonkey p. 12, Figure 13: stored in blocks of rows, each repeating the header.
    const tables = toBlocks(tracemonkey[11]!, null).filter((block) => block.table);
    expect(tables.length).toBeGreaterThanOrEqual(1);
    const header = ['', 'Loops', 'Trees', 'Traces', 'Aborts', 'Flushes', 'Trees/Loop', 'Traces/Tree', 'Traces/Loop', 'Speedup'];
    for (const { table } of tables) expect(table!.header).toEqual(header);
    const rows = tables.flatMap(({ table }) => table!.rows);
    expect(rows).toHaveLength(26);
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(['3d-cube', 'access-nbody', 'regexp-dna', 'string-validate-input']));
    expect(rows.find((row) => row[0] === 'access-binary-trees')).toEqual(['access-binary-trees', '0', '0', '0', '5', '0', '-', '-', '-', '0.93x']);
    // The paragraphs beside it stay text.
    expect(toBlocks(tracemonkey[11]!, null).some((block) => !block.table && block.text.includes('8. Related Work'))).toBe(true);
  });

  it('reads a paper whose two columns are set half a line apart column by column', () => {
    // Dense Passage Retrieval p. 7: section 6 starts at the foot of the left column; the right column carries on.
    const page = flat(dpr[6]!);
    expect(page).toContain('However, building the FAISS index on 21-million vectors on a single server takes 8.5 hours.');
    expect(page).toContain('In comparison, building an inverted index using Lucene is much cheaper and takes only about 30 minutes in total.');
    expect(page).toContain('Given the top k retrieved passages (up to 100 in our experiments), the reader assigns a passage selection score to each passage.');
  });

  it('keeps footnote marks after the words they belong to and before their notes', () => {
    expect(flat(tracemonkey[4]!)).toContain('and then convert any integer result back to a double.¹ Clearly, a JavaScript VM');
    expect(tracemonkey[4]!).toMatch(/^¹ Arrays are actually worse than this/m);
    const dprIntro = flat(dpr[1]!);
    expect(dprIntro).toContain('text passages of equal lengths as the basic retrieval units³ and get M total passages in our corpus');
    expect(dprIntro).toMatch(/\(Chen et al\., 2017\)\.⁴ Formally speaking, a retriever/);
  });

  it('keeps URLs whole, including those wrapped at a line end', () => {
    expect(flat(dpr[0]!)).toContain('¹ The code and trained models have been released at https://github.com/facebookresearch/DPR.');
    const references = flat(tracemonkey[13]!);
    expect(references).toContain('http://webkit.org/blog/214/introducing-squirrelfish-extreme/');
    expect(references).toContain('http://lua-users.org/lists/lua-l/2008-02/msg00051.html');
  });

  it('gives each bullet and each reference a paragraph of its own, and never doubles a bullet', () => {
    expect(tracemonkey[1]!).toMatch(/^• We explain an algorithm for dynamically forming trace trees/m);
    expect(tracemonkey[1]!).toMatch(/^• We explain how to speculatively generate efficient type-specialized code/m);
    expect(tracemonkey[13]!).toMatch(/^\[6\] A\. Aho, R\. Sethi, J\. Ullman, and M\. Lam\./m);
    for (const text of [...tracemonkey, ...dpr]) expect(text).not.toMatch(/•\s*•/);
  });

  it('leaves code listings with their comments aligned in a column as text', () => {
    // p. 3: Figures 3 and 4, LIR and x86 with "// …" comments set in a column beside the code.
    expect(toBlocks(tracemonkey[2]!, null).filter((block) => block.table)).toEqual([]);
    expect(flat(tracemonkey[2]!)).toContain('mov edx, ebx(748) // load primes from the trace activation record');
  });

  it('shows the tables of a Word document as tables in the viewer, never as raw pipes', async () => {
    const [page] = (await pageTexts(convertDocx, DOCX_TABLES)).map((text) => toBlocks(text, null));
    const tables = page!.filter((block) => block.table);
    expect(tables.length).toBeGreaterThanOrEqual(3);
    expect(page!.filter((block) => !block.table && block.text.includes('|'))).toEqual([]);
    for (const { table } of tables) {
      expect(table!.header.length).toBeGreaterThan(1);
      expect(table!.rows.every((row) => row.length === table!.header.length)).toBe(true);
    }
  });
});

const EARNINGS = 'corpus/financebench-dev/pdfs/JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf';
const TEN_K = 'corpus/financebench-dev/pdfs/GENERALMILLS_2022_10K.pdf';

describeWithCorpus([TEN_K], 'a 10-K income statement in a PDF', () => {
  it('reads the statement of earnings as one table with the fiscal years as header cells', async () => {
    // p. 45: years over right-aligned amounts, "$" set apart, groups a blank line apart, one label wrapped over two lines.
    const texts = await pageTexts(convertPdf, TEN_K);
    const tables = toBlocks(texts[44]!, null).filter((block) => block.table);
    expect(tables).toHaveLength(1);
    const { header, rows } = tables[0]!.table!;
    expect(header).toEqual(['', '2022', '2021', '2020']);
    expect(rows[0]).toEqual(['Net sales', '$18,992.8', '$18,127.0', '$17,626.6']);
    expect(rows).toContainEqual(['Divestitures (gain) loss', '(194.1)', '53.5', '-']);
    expect(rows).toContainEqual(['Net earnings, including earnings attributable to redeemable and noncontrolling interests', '2,735.0', '2,346.0', '2,210.8']);
    expect(rows.at(-1)).toEqual(['Dividends per share', '$2.04', '$2.02', '$1.96']);
    // p. 3: the table of contents, item titles beside page numbers without dot leaders, stays text.
    expect(toBlocks(texts[2]!, null).filter((block) => block.table)).toEqual([]);
    expect(flat(texts[2]!)).toContain('Item 1A Risk Factors 8');
  }, 120_000);
});

describeWithCorpus([EARNINGS], 'financial statements in a PDF', () => {
  it('reads an income statement page as a table with the years as header cells and figures in their cells', async () => {
    // p. 10: the consolidated statement of earnings for the quarter, the years over the amount columns.
    const texts = await pageTexts(convertPdf, EARNINGS);
    const tables = toBlocks(texts[9]!, null).filter((block) => block.table);
    expect(tables).toHaveLength(1);
    const { header, rows } = tables[0]!.table!;
    // Each year is set over its two columns, so both of them name it.
    expect(header).toEqual(['', '2023 Amount', '2023 Percent to Sales', '2022 Amount', '2022 Percent to Sales', 'Percent Increase (Decrease)']);
    expect(rows[0]).toEqual(['Sales to customers', '$25,530', '100.0', '$24,020', '100.0', '6.3']);
    expect(rows.find((row) => row[0] === 'Cost of products sold')).toEqual(['Cost of products sold', '8,212', '32.2', '7,919', '33.0', '3.7']);
  }, 60_000);
});

const KOREAN_TABLES = 'corpus/docs/pdf/korean-text-with-tables.pdf';

describeWithCorpus([KOREAN_TABLES], 'two tables side by side in a PDF', () => {
  it('reads the Korean benefits sheet as two tables, each with its header and its wrapped cells whole', async () => {
    // Two "업종 | 적립 대상" tables side by side (one per card benefit), their rows not lined up, notes under each.
    const [text] = await pageTexts(convertPdf, KOREAN_TABLES);
    const tables = toBlocks(text!, null).filter((block) => block.table);
    expect(tables.map(({ table }) => table!.header)).toEqual([
      ['업종', '적립 대상'],
      ['업종', '적립 대상'],
    ]);
    expect(tables.map(({ table }) => table!.rows.map((row) => row[0]))).toEqual([
      ['할인점', '주유', '온라인쇼핑몰'],
      ['커피전문점', '제과점', '편의점'],
    ]);
    expect(tables[0]!.table!.rows[2]).toEqual(['온라인쇼핑몰', '삼성카드 쇼핑, G마켓, 옥션, 11번가, 인터파크, 쿠팡, 티몬, 위메프']);
    expect(tables[1]!.table!.rows[0]).toEqual(['커피전문점', '스타벅스, 투썸플레이스, 카페베네, 탐앤탐스, 커피빈, 엔제리너스, 할리스커피, 파스쿠찌, 아티제, 폴 바셋']);
  });
});
