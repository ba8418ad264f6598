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
