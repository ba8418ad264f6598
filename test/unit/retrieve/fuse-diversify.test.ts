import { describe, expect, it } from 'vitest';
import { fuseRankings, RRF_K } from '../../../src/main/retrieve/fuse';
import { cosineSimilarity, diversify, termOverlap } from '../../../src/main/retrieve/diversify';

describe('fuseRankings', () => {
  it('sums weight / (k + rank) over the lists a chunk appears in', () => {
    const fused = fuseRankings([
      { signal: 'bm25', weight: 1, ids: [1, 2, 3] },
      { signal: 'vector', weight: 1, ids: [3, 4, 1] },
    ]);
    expect(fused.map((c) => c.chunkId)).toEqual([1, 3, 2, 4]);
    expect(fused[0]).toEqual({ chunkId: 1, fused: 1 / (RRF_K + 1) + 1 / (RRF_K + 3), ranks: { bm25: 1, vector: 3 } });
    expect(fused[3].ranks).toEqual({ vector: 2 });
  });

  it('lets weights favour one signal', () => {
    const lists = (vectorWeight: number) =>
      fuseRankings([
        { signal: 'bm25', weight: 1, ids: [1, 2] },
        { signal: 'vector', weight: vectorWeight, ids: [2, 1] },
      ]).map((c) => c.chunkId);
    expect(lists(0.5)).toEqual([1, 2]);
    expect(lists(2)).toEqual([2, 1]);
  });
});

describe('diversify (MMR)', () => {
  const items = [
    { item: 'a', relevance: 1 },
    { item: 'a2', relevance: 0.95 },
    { item: 'b', relevance: 0.8 },
  ];
  const similarity = (x: string, y: string) => (x[0] === y[0] ? 0.98 : 0);

  it('keeps relevance order at lambda 1', () => {
    expect(diversify(items, 3, 1, similarity)).toEqual(['a', 'a2', 'b']);
  });

  it('moves a near-duplicate below a different passage', () => {
    expect(diversify(items, 3, 0.7, similarity)).toEqual(['a', 'b', 'a2']);
    expect(diversify(items, 2, 0.7, similarity)).toEqual(['a', 'b']);
  });

  it('measures similarity by cosine or term overlap', () => {
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBe(0);
    expect(cosineSimilarity(Float32Array.of(1, 1), Float32Array.of(2, 2))).toBeCloseTo(1, 6);
    expect(termOverlap(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBe(0.5);
    expect(termOverlap(new Set(), new Set(['a']))).toBe(0);
  });
});
