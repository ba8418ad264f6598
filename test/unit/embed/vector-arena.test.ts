import { describe, expect, it } from 'vitest';
import { BLOCK_ROWS, IVF_MIN_ROWS, listsFor, VectorArena } from '../../../src/main/embed/vector-arena';
import { TopScores } from '../../../src/main/embed/top-scores';
import { clusteredVectors, exactNearest } from '../../fixtures/embed/clustered-vectors';

const DIM = 64;

function recallAt10(arena: VectorArena, vectors: Float32Array[], ids: number[], queries: Float32Array[], candidates: number) {
  let found = 0;
  const byId = new Map(ids.map((id, i) => [id, vectors[i]]));
  for (const query of queries) {
    const truth = new Set(exactNearest(vectors, ids, query, 10));
    // As search does: the arena's int8 top candidates, then exact rescoring of those on the floats.
    const picked = arena.nearest(query, candidates).map((c) => c.chunkId);
    const rescored = exactNearest(picked.map((id) => byId.get(id)!), picked, query, 10);
    found += rescored.filter((id) => truth.has(id)).length;
  }
  return found / (queries.length * 10);
}

describe('vector arena (int8 rows scored by the LPU matvec kernel)', () => {
  it('scores rows as the cosine of the float vectors, within int8 error (0.02)', () => {
    const source = clusteredVectors(DIM, { clusters: 4, seed: 1 });
    const arena = new VectorArena(DIM);
    const vectors = Array.from({ length: 1500 }, () => source.next());
    arena.upsert(vectors.map((vector, i) => ({ chunkId: i + 1, workspaceId: 1, vector })));
    const query = source.query();
    const hits = arena.nearest(query, 1500);
    expect(hits).toHaveLength(1500);
    for (const hit of hits.slice(0, 50)) {
      const v = vectors[hit.chunkId - 1];
      const cosine = v.reduce((sum, x, d) => sum + x * query[d], 0);
      expect(Math.abs(hit.score - cosine)).toBeLessThan(0.02);
    }
  });

  it('finds ≥ 0.95 of the exact top 10 on clustered vectors, flat and with inverted lists', () => {
    const dimension = 128;
    const source = clusteredVectors(dimension, { clusters: 200, seed: 2 });
    const count = 30_000;
    const vectors = Array.from({ length: count }, () => source.next());
    const ids = vectors.map((_, i) => i + 1);
    const queries = Array.from({ length: 40 }, () => source.query());

    const flat = new VectorArena(dimension);
    flat.upsert(vectors.slice(0, 20_000).map((vector, i) => ({ chunkId: ids[i], workspaceId: 1, vector })));
    expect(flat.listCount).toBe(1);
    expect(recallAt10(flat, vectors.slice(0, 20_000), ids.slice(0, 20_000), queries, 40)).toBeGreaterThanOrEqual(0.95);

    const ivf = new VectorArena(dimension);
    ivf.train(vectors.filter((_, i) => i % 10 === 0), count, 64); // lists as a library of IVF_MIN_ROWS+ rows would have
    ivf.upsert(vectors.map((vector, i) => ({ chunkId: ids[i], workspaceId: 1, vector })));
    expect(ivf.listCount).toBe(64);
    expect(listsFor(IVF_MIN_ROWS - 1)).toBe(1);
    expect(listsFor(64_000)).toBe(64);
    expect(recallAt10(ivf, vectors, ids, queries, 40)).toBeGreaterThanOrEqual(0.95);
  });

  it('stays consistent through replacements and deletes, and filters by workspace', () => {
    const source = clusteredVectors(DIM, { clusters: 8, seed: 3 });
    const arena = new VectorArena(DIM);
    const vectors = new Map<number, Float32Array>();
    const rows = Array.from({ length: 3 * BLOCK_ROWS + 17 }, (_, i) => ({ chunkId: i + 1, workspaceId: i % 3 === 0 ? 2 : 1, vector: source.next() }));
    arena.upsert(rows);
    rows.forEach((row) => vectors.set(row.chunkId, row.vector));
    for (let id = 1; id <= rows.length; id += 2) arena.remove(id); // half the rows, from every block
    const replaced = source.next();
    arena.upsert([{ chunkId: 2, workspaceId: 1, vector: replaced }]);
    vectors.set(2, replaced);
    expect(arena.size).toBe(Math.floor(rows.length / 2));
    // Every row left is found first by its own vector, and no removed row is ever returned.
    for (let id = 2; id <= rows.length; id += 2) expect(arena.nearest(vectors.get(id)!, 1)[0].chunkId).toBe(id);
    const all = arena.nearest(source.query(), rows.length).map((c) => c.chunkId);
    expect(all.every((id) => id % 2 === 0)).toBe(true);
    expect(new Set(all).size).toBe(arena.size);
    const inTwo = arena.nearest(source.query(), rows.length, 2);
    expect(inTwo.length).toBe(arena.rowsOf(2));
    expect(inTwo.every((c) => rows[c.chunkId - 1].workspaceId === 2)).toBe(true);
    expect(arena.nearest(source.query(), 5, 99)).toEqual([]);
  });

  it('keeps the highest scores, in order', () => {
    const top = new TopScores(3);
    [5, 1, 9, 3, 7, 2, 8].forEach((score, id) => top.offer(score, id));
    expect(top.sorted()).toEqual([{ score: 9, id: 2 }, { score: 8, id: 6 }, { score: 7, id: 4 }]);
  });
});
