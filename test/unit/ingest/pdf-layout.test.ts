import { describe, expect, it } from 'vitest';
import { buildFragments, findGutter, joinLines, paragraphs, readingOrder, type TextItem } from '../../../src/main/ingest/converters/pdf-layout';
import { RunningLineFilter } from '../../../src/main/ingest/converters/pdf-running-lines';

const item = (str: string, x: number, y: number, width = str.length * 5, size = 10): TextItem => ({ str, x, y, width, size, hasEOL: false });
const page = { width: 612, height: 792 };

describe('PDF page layout', () => {
  it('reads a two-column page column by column, with a spanning title first', () => {
    const items: TextItem[] = [item('A Title Spanning Both Columns Of The Page', 150, 740, 300, 16)];
    for (let line = 0; line < 10; line++) {
      items.push(item(`left line ${line} of the first column text`, 54, 700 - line * 12, 240));
      items.push(item(`right line ${line} of the second column text`, 317, 700 - line * 12, 240));
    }
    const ordered = readingOrder(buildFragments(items), page).map((f) => f.text);
    expect(ordered[0]).toBe('A Title Spanning Both Columns Of The Page');
    expect(ordered.slice(1, 11)).toEqual(Array.from({ length: 10 }, (_, i) => `left line ${i} of the first column text`));
    expect(ordered.slice(11)).toEqual(Array.from({ length: 10 }, (_, i) => `right line ${i} of the second column text`));
  });

  it('finds the gutter when the columns\' baselines do not line up, and reads a table spanning both columns row by row', () => {
    const items: TextItem[] = [];
    // A results table across the page: its cells sit on both sides of the gutter.
    for (let row = 0; row < 4; row++) {
      const y = 740 - row * 10;
      ['bench-' + row, `${row + 2}`, `${row + 10}`, `${row + 1}.5x`, `${row + 3}.0x`].forEach((cell, i) => items.push(item(cell, 60 + i * 110, y, 30, 8)));
    }
    // Below it, two columns whose lines are set half a line apart, as LaTeX does beside floats.
    for (let line = 0; line < 12; line++) {
      items.push(item(`left ${line} the closest area of related work is`, 54, 680 - line * 11, 240));
      items.push(item(`right ${line} a bytecode executes in about 35`, 317, 674.5 - line * 11, 240));
    }
    const ordered = readingOrder(buildFragments(items), page).map((f) => f.text);
    expect(ordered.slice(0, 20)).toEqual([0, 1, 2, 3].flatMap((row) => [`bench-${row}`, `${row + 2}`, `${row + 10}`, `${row + 1}.5x`, `${row + 3}.0x`]));
    expect(ordered.slice(20, 32)).toEqual(Array.from({ length: 12 }, (_, i) => `left ${i} the closest area of related work is`));
    expect(ordered.slice(32)).toEqual(Array.from({ length: 12 }, (_, i) => `right ${i} a bytecode executes in about 35`));
  });

  it('does not take a table whose last column wraps over several lines for two columns of text', () => {
    const items: TextItem[] = [];
    for (let person = 0; person < 8; person++) {
      const y = 700 - person * 40;
      items.push(item(`Person ${person} 55 Executive Vice President, Chief`, 25, y, 220, 7));
      for (let held = 0; held < 4; held++) items.push(item(`Vice President of group ${person}, role ${held}, 2019-2021`, 323, y - held * 8, 230, 7));
    }
    const fragments = buildFragments(items);
    expect(findGutter(fragments, page)).toBeNull();
    const ordered = readingOrder(fragments, page).map((f) => f.text);
    // Each person is followed by the positions they held, not by the next person.
    expect(ordered.slice(0, 5)).toEqual(['Person 0 55 Executive Vice President, Chief', ...[0, 1, 2, 3].map((held) => `Vice President of group 0, role ${held}, 2019-2021`)]);
  });

  it('starts a paragraph at each bullet even when the item before it fills its line', () => {
    const fragments = buildFragments([
      item('• We explain an algorithm for dynamically forming trace trees to', 54, 700, 240),
      item('cover a program, representing nested loops as nested trees.', 64, 688, 240),
      item('• We validate our tracing techniques in an implementation.', 54, 676, 240),
    ]);
    expect(paragraphs(readingOrder(fragments, page), 10, page).map((p) => p.text)).toEqual([
      '• We explain an algorithm for dynamically forming trace trees to cover a program, representing nested loops as nested trees.',
      '• We validate our tracing techniques in an implementation.',
    ]);
  });

  it('carries a sentence from the foot of the left column to the head of the right, but not into a figure there', () => {
    const items: TextItem[] = [];
    for (let line = 0; line < 8; line++) items.push(item(`left ${line} text of the paper that fills its column width`, 54, 700 - line * 12, 240));
    items.push(item('and the sentence goes on at the top of the next', 54, 604, 240));
    items.push(item('column where it finally ends with a full stop.', 317, 700, 230));
    for (let line = 1; line < 8; line++) items.push(item(`right ${line} text of the paper that fills its column width`, 317, 700 - line * 12, 240));
    const texts = paragraphs(readingOrder(buildFragments(items), page), 10, page).map((p) => p.text);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('and the sentence goes on at the top of the next column where it finally ends with a full stop.');

    const figure = items.map((i) => (i.str.startsWith('column where') ? { ...i, str: 'Figure 3. Trace tree of the loop.' } : i));
    expect(paragraphs(readingOrder(buildFragments(figure), page), 10, page).map((p) => p.text)[1]).toMatch(/^Figure 3\./);
  });

  it('joins hyphenated line ends and CJK lines without spaces', () => {
    expect(joinLines('the interpreter and compil-', 'er cooperate')).toBe('the interpreter and compiler cooperate');
    expect(joinLines('Trace-', 'Monkey')).toBe('Trace- Monkey');
    expect(joinLines('创建并维护一个', '软件包')).toBe('创建并维护一个软件包');
    // Korean wraps between words: the space comes back.
    expect(joinLines('보너스포인트와 빅포인트 중 높은 적립률의', '포인트 적립')).toBe('보너스포인트와 빅포인트 중 높은 적립률의 포인트 적립');
  });

  it('turns larger short lines into headings and groups body lines into paragraphs', () => {
    const fragments = buildFragments([
      item('1. Introduction', 54, 700, 100, 14),
      item('Dynamic languages such as JavaScript are', 54, 680, 240),
      item('popular and expressive.', 54, 668, 120),
      item('A second paragraph starts here.', 54, 640, 160),
    ]);
    expect(paragraphs(readingOrder(fragments, page), 10)).toEqual([
      { kind: 'heading', text: '1. Introduction', size: 14 },
      { kind: 'paragraph', text: 'Dynamic languages such as JavaScript are popular and expressive.', size: 10 },
      { kind: 'paragraph', text: 'A second paragraph starts here.', size: 10 },
    ]);
  });

  it('recognises one-line numbered section titles in the body size, but not table-of-contents lines', () => {
    const fragments = buildFragments([
      item('the previous paragraph ends here and runs to the right margin', 54, 712, 300),
      item('of the column.', 54, 700, 70),
      item('6.5 Calling External Functions', 54, 688, 150),
      item('Like most interpreters, SpiderMonkey has a foreign function', 54, 676, 300),
      item('interface.', 54, 664, 50),
      item('1.2 Programs needed for development … 3', 54, 640, 300),
    ]);
    expect(paragraphs(readingOrder(fragments, page), 10, page).map((p) => [p.kind, p.text])).toEqual([
      ['paragraph', 'the previous paragraph ends here and runs to the right margin of the column.'],
      ['heading', '6.5 Calling External Functions'],
      ['paragraph', 'Like most interpreters, SpiderMonkey has a foreign function interface.'],
      ['paragraph', '1.2 Programs needed for development … 3'],
    ]);
  });

  it('drops running headers that recur across pages and bare page numbers', () => {
    const filter = new RunningLineFilter(5);
    const pages = [1, 2, 3, 4].map((n) => buildFragments([item(`Debian New Maintainers’ Guide ${['iv', 'v', '1', '2'][n - 1]}`, 54, 770, 200), item(`${n} / 57`, 300, 30, 20), item(`Body text of page ${n}.`, 54, 400, 200)]));
    for (const fragments of pages) filter.observe(fragments, 792);
    expect(pages.map((fragments) => filter.filter(fragments, 792).map((f) => f.text))).toEqual([1, 2, 3, 4].map((n) => [`Body text of page ${n}.`]));
  });
});

describe('PDF text fidelity', () => {
  it('keeps a raised footnote mark beside its word and beside its note, as a superscript', () => {
    const items: TextItem[] = [
      item('Trace trees record hot loops.', 54, 700, 140),
      item('4', 194.5, 703.6, 3.5, 7),
      item('The recorder stops at exits.', 201, 700, 135),
      item('4', 54, 103, 3, 6),
      item('The loop header is where a trace starts.', 58, 100, 180, 8),
    ];
    expect(buildFragments(items).map((f) => f.text)).toEqual(['Trace trees record hot loops.⁴ The recorder stops at exits.', '⁴ The loop header is where a trace starts.']);
  });

  it('leaves small numbers that sit in a row of their own words, such as table cells, where they are', () => {
    const items: TextItem[] = [item('Total', 54, 706, 25, 7), item('12', 110, 706, 8, 7), item('Revenue by quarter', 54, 700, 90)];
    expect(buildFragments(items).map((f) => f.text)).toEqual(['Total', '12', 'Revenue by quarter']);
  });

  it('keeps URLs wrapped at a line end whole, with their own hyphens, and ends them where the sentence goes on', () => {
    expect(joinLines('Data is at https://example.org/reports/', '2024/summary.pdf for all')).toBe('Data is at https://example.org/reports/2024/summary.pdf for all');
    expect(joinLines('see https://example.org/annual-', 'report.pdf today')).toBe('see https://example.org/annual-report.pdf today');
    expect(joinLines('see www.example.', 'org/path/file.html')).toBe('see www.example.org/path/file.html');
    expect(joinLines('visit https://example.org', 'for details')).toBe('visit https://example.org for details');
    expect(joinLines('visit https://example.org.', 'The next sentence')).toBe('visit https://example.org. The next sentence');
    // Hyphenation outside URLs is still joined as before.
    expect(joinLines('the compil-', 'er')).toBe('the compiler');
  });
});
