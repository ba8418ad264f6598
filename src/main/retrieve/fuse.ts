// Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ_signal weight / (k + rank_signal(d)), rank from 1.
// It needs no score calibration between BM25 and cosine similarity, which live on unrelated scales.

export const RRF_K = 60;

export interface RankedList {
  signal: string;
  weight: number;
  /** Chunk ids, best first. */
  ids: number[];
}

export interface FusedCandidate {
  chunkId: number;
  fused: number;
  /** 1-based rank of the chunk in each list it appears in. */
  ranks: Record<string, number>;
}

export function fuseRankings(lists: RankedList[], k = RRF_K): FusedCandidate[] {
  const byId = new Map<number, FusedCandidate>();
  for (const list of lists) {
    list.ids.forEach((chunkId, index) => {
      let entry = byId.get(chunkId);
      if (!entry) byId.set(chunkId, (entry = { chunkId, fused: 0, ranks: {} }));
      entry.fused += list.weight / (k + index + 1);
      entry.ranks[list.signal] = index + 1;
    });
  }
  // Ties (same fused score) keep the order of first appearance, so the first list breaks them.
  return [...byId.values()].sort((a, b) => b.fused - a.fused);
}
