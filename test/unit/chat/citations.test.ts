import { describe, expect, it } from 'vitest';
import { citedOrdinals, mapCitations } from '../../../src/main/chat/citations';
import type { Passage } from '../../../src/main/chat/passages';

const passage = (n: number, page: number): Passage => ({
  chunkId: 100 + n,
  documentId: 7,
  documentTitle: 'Handbook',
  documentPath: '/docs/handbook.pdf',
  pageStart: page,
  pageEnd: page,
  label: null,
  text: `passage ${n}`,
  score: 1,
});

describe('citations', () => {
  it('reads every marker style in order of first appearance and drops out-of-range numbers', () => {
    expect(citedOrdinals('A [2]. B [1, 3]. C [2][4]. D [^5] E 【1】 F [9] G [0]', 5)).toEqual([2, 1, 3, 4, 5]);
    expect(citedOrdinals('ranges [1-3] and [4–4]', 5)).toEqual([1, 2, 3, 4]);
  });

  it('ignores bracketed text that is not a citation', () => {
    expect(citedOrdinals('see [Figure 2] and [a] and array[1 + 2]', 3)).toEqual([]);
  });

  it('maps markers back to the numbered passages with their pages', () => {
    const { sources, uncited } = mapCitations('Leave is 20 days [2]. Carry-over needs approval [3].', [passage(1, 4), passage(2, 9), passage(3, 12)]);
    expect(uncited).toBe(false);
    expect(sources.map((s) => [s.ordinal, s.chunkId, s.pageStart, s.cited])).toEqual([
      [1, 101, 4, false],
      [2, 102, 9, true],
      [3, 103, 12, true],
    ]);
    expect(sources[1].passage).toBe('passage 2');
  });

  it('marks an answer that cites none of its sources', () => {
    expect(mapCitations('No markers here.', [passage(1, 1)]).uncited).toBe(true);
    expect(mapCitations('Free chat answer.', []).uncited).toBe(false);
  });
});
