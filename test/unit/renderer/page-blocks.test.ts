import { describe, expect, it } from 'vitest';
import { toBlocks } from '../../../src/renderer/features/viewer/pageBlocks';

const page = '# Installing\n\nUse pip to install the\npackage quickly.\n\n## Usage\n\nCall partition() on a file.\nIt returns elements.';

describe('toBlocks', () => {
  it('splits a page into headings and paragraphs, keeping soft line breaks inside a paragraph', () => {
    const blocks = toBlocks(page, null);
    expect(blocks.map((b) => [b.heading, b.text])).toEqual([
      [true, 'Installing'],
      [false, 'Use pip to install the\npackage quickly.'],
      [true, 'Usage'],
      [false, 'Call partition() on a file.\nIt returns elements.'],
    ]);
    expect(new Set(blocks.map((b) => b.id)).size).toBe(4);
  });

  it('marks the passage across the blocks it spans, relative to each block text', () => {
    const blocks = toBlocks(page, 'package quickly. Usage Call partition()');
    const marked = blocks.filter((b) => b.mark).map((b) => b.text.slice(b.mark![0], b.mark![1]));
    expect(marked).toEqual(['package quickly.', 'Usage', 'Call partition']);
  });
});

describe('toBlocks tables', () => {
  const sheet = 'Quarterly figures\n\n| Quarter | Revenue | Note |\n| --- | --- | --- |\n| Q1 | 4.1 | a \\| b |\n| Q2 | 5.3 | up 3.0x |';
  it('turns a Markdown table block into a header and rows of cells, never raw pipes', () => {
    const [caption, table] = toBlocks(sheet, null);
    expect(caption).toMatchObject({ heading: false, table: null, text: 'Quarterly figures' });
    expect(table!.table).toEqual({ header: ['Quarter', 'Revenue', 'Note'], rows: [['Q1', '4.1', 'a | b'], ['Q2', '5.3', 'up 3.0x']], marked: [] });
  });

  it('marks the table rows the cited passage covers', () => {
    const [, table] = toBlocks(sheet, 'Q2 5.3 up 3.0x');
    expect(table!.table!.marked).toEqual([2]);
  });

  it('leaves text with a stray pipe as a paragraph', () => {
    expect(toBlocks('a | b\nc | d', null)[0]).toMatchObject({ table: null, text: 'a | b\nc | d' });
  });
});
