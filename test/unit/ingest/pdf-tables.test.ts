import { describe, expect, it } from 'vitest';
import { buildFragments, paragraphs, readingOrder, type TextItem } from '../../../src/main/ingest/converters/pdf-layout';
import { findTables } from '../../../src/main/ingest/converters/pdf-tables';
import { rowsToTableBlocks } from '../../../src/main/ingest/converters/table';
import { convertPdf } from '../../../src/main/ingest/converters/pdf';
import { defaultLimits, type SourcePage } from '../../../src/main/ingest/document';
import { contentStreamPdf, pdfString } from '../../fixtures/ingest/generated-pdf';

// Tables on generated pages: cells as separate items, or one string per row with wide spaces (as LaTeX emits them).

const item = (str: string, x: number, y: number, width = str.length * 5, size = 10): TextItem => ({ str, x, y, width, size, hasEOL: false });
const page = { width: 612, height: 792 };
const tablesOf = (items: TextItem[]) => findTables(readingOrder(buildFragments(items), page), page);

describe('PDF tables', () => {
  it('reads rows set as one string with wide spaces between cells into columns, numbers in their cells, header first', () => {
    const rows = [
      ['Benchmark', 'Loops', 'Trees', 'Speedup'],
      ['3d-cube', '25', '27', '2.20x'],
      ['access-nbody', '8', '16', '4.19x'],
      ['crypto-md5', '4', '4', '2.30x'],
    ];
    // Fixed-width cells: each 16 characters wide, padded with spaces, 5 units per character.
    const items = rows.map((row, r) => item(row.map((cell) => cell.padEnd(16)).join('').trimEnd(), 72, 700 - r * 10, undefined, 9));
    const tables = tablesOf(items);
    expect(tables).toHaveLength(1);
    expect(tables[0]!.header).toBe(true);
    expect(tables[0]!.rows).toEqual(rows);
  });

  it('reads a statement with right-aligned figures, currency signs, a row label, a wrapped label, blank lines between groups and years as header cells', () => {
    // The years sit over the "$" column, ending left of where the right-aligned amounts begin (as in 10-K statements).
    const items: TextItem[] = [item('(Millions)', 54, 700, 45), item('2023', 268, 700, 20), item('2022', 368, 700, 20)];
    const lines: [string, string, string][] = [
      ['Sales to customers', '$25,530', '$24,020'],
      ['Operating expenses', '', ''],
      ['Cost of products sold', '8,212', '7,919'],
      ['Gross profit', '17,318', '16,101'],
      ['Net earnings, including earnings attributable to', '', ''],
      ['noncontrolling interests', '$5,144', '$4,814'],
    ];
    // A blank line (2.7 lines of space) sets each group apart.
    const ys = [688, 667, 655, 643, 622, 610];
    lines.forEach(([label, a, b], r) => {
      const y = ys[r]!;
      items.push(item(label, 54, y, label.length * 4.5));
      if (!a) return;
      // Right-aligned at x=320 and x=420; "$" set as an item of its own, as statements often are.
      for (const [value, right] of [[a, 320], [b, 420]] as const) {
        const digits = value.replace('$', '');
        if (value.startsWith('$')) items.push(item('$', right - 45, y, 5));
        items.push(item(digits, right - digits.length * 5, y));
      }
    });
    const [table] = tablesOf(items);
    expect(table!.header).toBe(true);
    // The label wrapped over two lines is one label.
    expect(table!.rows).toEqual([['(Millions)', '2023', '2022'], ...lines.slice(0, 4), ['Net earnings, including earnings attributable to noncontrolling interests', '$5,144', '$4,814']]);
    const blocks = rowsToTableBlocks(table!.rows, [], { header: table!.header });
    expect(blocks[0]!.tableHeader).toBe('| (Millions) | 2023 | 2022 |\n| --- | --- | --- |');
  });

  it('gives a currency sign set just after an amount to the amount in the next column, and a three-row table its header', () => {
    const items: TextItem[] = [item('In Millions', 54, 700, 50), item('2022', 300, 700, 20), item('2021', 400, 700, 20)];
    // One item per row for the figures, the second column's "$" right after the first amount.
    items.push(item('Net cash proceeds', 54, 688, 80), item('$ 161.7 $', 290, 688, 40), item('74.3', 400, 688, 20));
    items.push(item('Options exercised', 54, 676, 80), item('74.0', 300, 676, 20), item('-', 410, 676, 5));
    const [table] = tablesOf(items);
    expect(table!.header).toBe(true);
    expect(table!.rows).toEqual([
      ['In Millions', '2022', '2021'],
      ['Net cash proceeds', '$161.7', '$74.3'],
      ['Options exercised', '74.0', '-'],
    ]);
  });

  it('keeps a table without column names headerless, and places it among the paragraphs where it was printed', () => {
    const items: TextItem[] = [item('The tags are listed below and are used for every value we store.', 54, 720, 300)];
    ['000 object', '010 number', '100 string'].forEach((row, r) => row.split(' ').forEach((cell, c) => items.push(item(cell, 54 + c * 120, 700 - r * 12))));
    items.push(item('After the table the text goes on.', 54, 650, 200));
    const ordered = readingOrder(buildFragments(items), page);
    const tables = findTables(ordered, page);
    expect(tables.map((t) => [t.header, t.rows])).toEqual([[false, [['000', 'object'], ['010', 'number'], ['100', 'string']]]]);
    expect(paragraphs(ordered, 10, page, tables).map((p) => p.kind)).toEqual(['paragraph', 'table', 'paragraph']);
    expect(rowsToTableBlocks(tables[0]!.rows, [], { header: false })[0]!.text.split('\n').slice(0, 3)).toEqual(['|  |  |', '| --- | --- |', '| 000 | object |']);
  });

  it('does not take prose for a table: a line with one wide gap, text beside text, a bulleted list, figure labels', () => {
    const gap = [item('A paragraph whose line has one', 54, 700, 150), item('wide gap in it and then goes on', 230, 700, 150), item('to the next line as prose does.', 54, 688, 150)];
    expect(tablesOf(gap)).toEqual([]);
    const sideBySide = [0, 1, 2, 3].flatMap((r) => [item(`left prose line ${r} with many words in it`, 54, 700 - r * 12, 200), item(`right prose line ${r} with many words too`, 330, 700 - r * 12, 200)]);
    expect(tablesOf(sideBySide)).toEqual([]);
    const bullets = [0, 1, 2].flatMap((r) => [item('•', 54, 700 - r * 12, 4), item(`Item ${r} of a list set apart from its bullet`, 72, 700 - r * 12, 200)]);
    expect(tablesOf(bullets)).toEqual([]);
    const figure = [item('Bytecodes', 54, 700), item('Overhead', 300, 700), item('loop', 54, 688), item('edge', 180, 676), item('exit', 300, 664), item('Native', 420, 664)];
    expect(tablesOf(figure)).toEqual([]);
  });

  it('splits two tables at the line of text between them, which stays text', () => {
    const items: TextItem[] = [];
    const rows = (top: number, names: string[]) => names.forEach((name, r) => [name, `${r + 1}.5`, `${r + 7}`].forEach((cell, c) => items.push(item(cell, 54 + c * 150, top - r * 12))));
    rows(700, ['Operating leases', 'Finance leases', 'Total leases']);
    items.push(item('Cash paid for amounts included in the measurement of lease liabilities:', 54, 652, 330));
    rows(640, ['Operating cash flows', 'Financing cash flows', 'Total cash flows']);
    const ordered = readingOrder(buildFragments(items), page);
    const tables = findTables(ordered, page);
    expect(tables.map((t) => t.rows.map((row) => row[0]))).toEqual([
      ['Operating leases', 'Finance leases', 'Total leases'],
      ['Operating cash flows', 'Financing cash flows', 'Total cash flows'],
    ]);
    expect(paragraphs(ordered, 10, page, tables).map((p) => p.kind)).toEqual(['table', 'paragraph', 'table']);
  });

  it('leaves a numbered code listing as text, but not a table whose first column counts', () => {
    const code = ['for (var i = 2; i < 100; ++i) {', 'if (!primes[i])', 'continue;', 'primes[k] = false;'];
    expect(tablesOf(code.flatMap((line, r) => [item(`${r + 1}`, 54, 700 - r * 12, 5), item(line, 80, 700 - r * 12)]))).toEqual([]);
    const sections = [['1', 'User commands', 'Executable programs'], ['2', 'System calls', 'Kernel functions'], ['3', 'Library calls', 'C functions']];
    expect(tablesOf(sections.flatMap((row, r) => row.map((cell, c) => item(cell, 54 + c * 150, 700 - r * 12))))[0]!.rows).toEqual(sections);
  });

  it('leaves a table of contents as text', () => {
    const toc = [1, 2, 3].map((n) => item(`${n}. Chapter number ${n} . . . . . . . . ${n * 7}`, 54, 700 - n * 12, 300));
    expect(tablesOf(toc)).toEqual([]);
  });
});

describe('PDF table headers set over several lines', () => {
  const figures = [
    ['North America', '1,200', '300'],
    ['Europe', '800', '150'],
    ['Asia Pacific', '400', '90'],
  ];
  const body = (top: number, columns: number[]) => figures.flatMap((row, r) => row.map((cell, c) => item(cell, columns[c]!, top - r * 12)));

  it('merges names stacked over two lines into one header cell per column, the row-label column included', () => {
    const items = [item('Gross', 200, 712), item('Operating', 300, 712), item('Segment', 54, 700), item('sales', 200, 700), item('income', 300, 700), ...body(688, [54, 200, 300])];
    const [table] = tablesOf(items);
    expect(table!.header).toBe(true);
    expect(table!.rows).toEqual([['Segment', 'Gross sales', 'Operating income'], ...figures]);
  });

  it('gives a title spanning two columns to each of them, on its own line or beside another', () => {
    const items = [item('Three Months Ended', 190, 712), item('Six Months Ended', 345, 712)];
    items.push(...['(Millions)', '2023', '2022', '2023', '2022'].map((cell, c) => item(cell, [54, 200, 260, 350, 410][c]!, 700)));
    ['Sales', 'Costs', 'Profit'].forEach((label, r) => [label, '10', '9', '20', '18'].forEach((cell, c) => items.push(item(cell, [54, 200, 260, 350, 410][c]!, 688 - r * 12))));
    const [table] = tablesOf(items);
    expect(table!.rows[0]).toEqual(['(Millions)', 'Three Months Ended 2023', 'Three Months Ended 2022', 'Six Months Ended 2023', 'Six Months Ended 2022']);
    expect(table!.rows).toHaveLength(4);
    // A spanning title alone on its line opens the table too; the caption above, further away, stays text.
    const alone = [item('Table 4: Results by region', 150, 740, 130), item('Year ended June 30', 190, 712), item('Region', 54, 700), item('2024', 200, 700), item('2023', 260, 700), ...body(688, [54, 200, 260])];
    const ordered = readingOrder(buildFragments(alone), page);
    const tables = findTables(ordered, page);
    expect(tables.map((t) => t.rows[0])).toEqual([['Region', 'Year ended June 30 2024', 'Year ended June 30 2023']]);
    expect(paragraphs(ordered, 10, page, tables).map((p) => p.kind)).toEqual(['paragraph', 'table']);
  });
});

describe('PDF text that lines up without being a table', () => {
  // Monospace: every character 6 units wide, lines one string with the comment column padded by spaces.
  const mono = (lines: string[], top = 700) => lines.map((line, r) => item(line, 54, top - r * 11, line.length * 6, 10));

  it('leaves code with its comments aligned in a column as text', () => {
    const asm = ['mov  eax, 1          ; count from one', 'add  eax, ebx        ; add the step', 'cmp  eax, ecx        ; reached the end?', 'jne  loop            ; go round again', 'ret                  ; done'];
    expect(tablesOf(mono(asm))).toEqual([]);
    const js = ['var total = 0;          // running sum', 'for (var i = 0; i < n; ++i) {', '  total += values[i];   // add one value', '}', 'return total;           // the sum'];
    expect(tablesOf(mono(js))).toEqual([]);
    const python = ['count = 0             # lines seen', 'seen = set()          # distinct words', 'print(count)          # report'];
    expect(tablesOf(mono(python))).toEqual([]);
  });

  it('leaves a table of contents without dot leaders as text, section numbers set apart or not', () => {
    const toc = [['1 Introduction', '1'], ['2 Background', '3'], ['2.1 Trace trees', '4'], ['3 Design', '7'], ['4 Evaluation', '12']];
    expect(tablesOf(toc.flatMap(([title, n], r) => [item(title!, 54, 700 - r * 12), item(n!, 500, 700 - r * 12, 10)]))).toEqual([]);
    const numbered = [['1', 'Introduction', '1'], ['2', 'Background', '3'], ['3', 'Design', '7'], ['A', 'Proofs', '21']];
    expect(tablesOf(numbered.flatMap((row, r) => row.map((cell, c) => item(cell, [54, 80, 500][c]!, 700 - r * 12))))).toEqual([]);
  });

  it('still reads a table whose last column counts up, when it has column names, and a ranking by "#"', () => {
    const rows = [['Benchmark', 'Loops'], ['3d-cube', '25'], ['access-nbody', '28'], ['crypto-md5', '40']];
    expect(tablesOf(rows.flatMap((row, r) => row.map((cell, c) => item(cell, 54 + c * 200, 700 - r * 12))))[0]!.rows).toEqual(rows);
    const ranking = [['#1', 'Lisbon', 'Portugal'], ['#2', 'Porto', 'Portugal'], ['#3', 'Madrid', 'Spain']];
    expect(tablesOf(ranking.flatMap((row, r) => row.map((cell, c) => item(cell, 54 + c * 150, 700 - r * 12))))[0]!.rows).toEqual(ranking);
  });
});

describe('PDF tables set side by side', () => {
  // A benefits sheet: two tables with the same header, each half a page wide, cells wrapped onto a second line in the
  // right-hand column, so the two tables' rows do not line up, and a note under each.
  const LEFT = [
    ['Category', 'Where it applies'],
    ['Discount stores', 'E-mart, Homeplus, Lotte Mart'],
    ['Fuel', 'All filling stations'],
    ['Online malls', 'Gmarket, Auction, 11st, Coupang,', 'Tmon, Wemakeprice'],
  ];
  const RIGHT = [
    ['Category', 'Where it applies'],
    ['Coffee shops', 'Starbucks, Twosome Place,', 'Coffee Bean, Paul Bassett'],
    ['Bakeries', 'Paris Baguette, Tous les Jours'],
    ['Convenience', 'CU, GS25, 7-Eleven'],
  ];
  const at = (x: number, y: number, text: string) => `BT /F1 8 Tf ${x} ${y} Td ${pdfString(text)} Tj ET`;
  function sheet(): Uint8Array {
    const ops: string[] = [at(40, 740, 'Earn 1.5% at discount stores, fuel and online malls'), at(330, 740, 'Earn 2% at coffee shops, bakeries, convenience')];
    for (const [table, x] of [[LEFT, 40], [RIGHT, 330]] as const) {
      let y = 710;
      for (const [name, where, wrapped] of table) {
        ops.push(at(x, y, name!), at(x + 80, y, where!));
        if (wrapped) ops.push(at(x + 80, (y -= 10), wrapped));
        y -= 16;
      }
      ops.push(at(x, y - 10, '* Only with 400,000 won spent in the month before.'));
    }
    return contentStreamPdf([ops.join('\n')]);
  }

  it('reads each as its own table block with its header, wrapped cells whole, the notes as text', async () => {
    const run = convertPdf({ bytes: sheet(), fileName: 'benefits.pdf', limits: defaultLimits, onProgress: () => undefined });
    const pages: SourcePage[] = [];
    for (let step = await run.next(); !step.done; step = await run.next()) pages.push(step.value);
    const blocks = pages[0]!.blocks;
    const whole = (table: string[][]) => table.map(([name, ...where]) => `| ${name} | ${where.join(' ')} |`);
    expect(blocks.filter((b) => b.kind === 'table').map((b) => b.text.split('\n').filter((line) => !line.includes('---')))).toEqual([whole(LEFT), whole(RIGHT)]);
    expect(blocks.filter((b) => b.kind === 'paragraph' && b.text.startsWith('* Only'))).toHaveLength(2);
  });

  it('keeps one wide table whole when its rows line up under different names, or its right half holds only figures', () => {
    const names = [['Name', 'Role', 'City', 'Team'], ['Ada', 'Engineer', 'London', 'Core'], ['Grace', 'Admiral', 'Arlington', 'Navy'], ['Linus', 'Maintainer', 'Portland', 'Kernel']];
    const wide = tablesOf(names.flatMap((row, r) => row.map((cell, c) => item(cell, [54, 130, 330, 420][c]!, 700 - r * 12))));
    expect(wide.map((t) => t.rows)).toEqual([names]);
    const figures = [['Region', 'Q1', 'Q2', 'Q3', 'Q4'], ['North', '12', '14', '15', '19'], ['South', '8', '9', '11', '10'], ['East', '5', '7', '6', '9']];
    const statement = tablesOf(figures.flatMap((row, r) => row.map((cell, c) => item(cell, [54, 150, 200, 400, 450][c]!, 700 - r * 12))));
    expect(statement.map((t) => t.rows)).toEqual([figures]);
  });
});

describe('PDF titles over groups of columns', () => {
  const columns = [54, 200, 250, 300, 380, 430];
  const grid = (rows: string[][], top: number) => rows.flatMap((row, r) => row.map((cell, c) => item(cell, columns[c]!, top - r * 12)));
  const body = [['Sales', '10', '9', '8', '7', '6'], ['Costs', '4', '3', '2', '1', '1'], ['Profit', '6', '6', '6', '6', '5']];

  it('gives a title over three columns to all three, one over the last two to those two only, and one over two titled groups to every column of both', () => {
    // "Year Ended December 31" centred over 2024/2023/2022 (its middle inside the middle column), "Carrying Value" over the last two.
    const items = [item('Year Ended December 31', 200, 724, 130), item('Carrying Value', 372, 724, 70), ...grid([['(Millions)', '2024', '2023', '2022', '2024', '2023'], ...body], 712)];
    expect(tablesOf(items)[0]!.rows[0]).toEqual(['(Millions)', 'Year Ended December 31 2024', 'Year Ended December 31 2023', 'Year Ended December 31 2022', 'Carrying Value 2024', 'Carrying Value 2023']);
    // A plan name centred over two groups of two columns, above the group names, each group's name over its two columns.
    const four = [54, 200, 250, 330, 380];
    const rows = [['(Millions)', '2024', '2023', '2024', '2023'], ['Obligation', '10', '9', '8', '7'], ['Assets', '4', '3', '2', '1'], ['Funded', '6', '6', '6', '6']];
    const plans = [item('Qualified and Non-qualified Pension Plans', 190, 736, 205), item('United States', 197, 724, 60), item('International', 325, 724, 60), ...rows.flatMap((row, r) => row.map((cell, c) => item(cell, four[c]!, 712 - r * 12)))];
    expect(tablesOf(plans)[0]!.rows[0]).toEqual(['(Millions)', ...['United States 2024', 'United States 2023', 'International 2024', 'International 2023'].map((name) => `Qualified and Non-qualified Pension Plans ${name}`)]);
  });
});
