import { describe, expect, it } from 'vitest';
import { mrrAtK, ndcgAtK, percentile, recallAtK } from '../../../src/main/retrieve/beir/metrics';

const judged = new Map([
  ['a', 1],
  ['b', 1],
  ['c', 0],
]);

describe('BEIR metrics', () => {
  it('nDCG@k with linear gain against the ideal ordering', () => {
    expect(ndcgAtK(['a', 'b', 'x'], judged, 10)).toBe(1);
    // Relevant at ranks 2 and 3: (1/log2(3) + 1/log2(4)) / (1 + 1/log2(3))
    expect(ndcgAtK(['x', 'a', 'b'], judged, 10)).toBeCloseTo((1 / Math.log2(3) + 0.5) / (1 + 1 / Math.log2(3)), 10);
    expect(ndcgAtK(['x', 'y', 'a'], judged, 2)).toBe(0);
    expect(ndcgAtK(['c'], judged, 10)).toBe(0);
  });

  it('recall@k and MRR@k', () => {
    expect(recallAtK(['a', 'x', 'y', 'b'], judged, 3)).toBe(0.5);
    expect(recallAtK(['a', 'x', 'y', 'b'], judged, 4)).toBe(1);
    expect(mrrAtK(['x', 'c', 'b'], judged, 10)).toBeCloseTo(1 / 3, 10);
    expect(mrrAtK(['x', 'c', 'b'], judged, 2)).toBe(0);
  });

  it('percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile([], 95)).toBe(0);
  });
});
