// Maximal marginal relevance (Carbonell & Goldstein 1998): pick the next passage by
//   λ · relevance − (1 − λ) · max similarity to the passages already picked,
// so near-duplicate chunks (overlap windows, repeated boilerplate) do not crowd out other evidence.

export interface DiversifyInput<T> {
  item: T;
  /** Relevance normalised to [0, 1]. */
  relevance: number;
}

/**
 * Returns up to k items in MMR order. `similarity(a, b)` is in [0, 1]; lambda = 1 keeps the relevance order unchanged.
 */
export function diversify<T>(candidates: DiversifyInput<T>[], k: number, lambda: number, similarity: (a: T, b: T) => number): T[] {
  if (lambda >= 1 || candidates.length <= 1) return candidates.slice(0, k).map((c) => c.item);
  const remaining = [...candidates];
  const picked: T[] = [];
  // Max similarity of each remaining candidate to anything picked so far, updated incrementally: O(k · n) similarity calls.
  const maxSimilarity = new Float64Array(remaining.length);
  while (picked.length < k && remaining.length > 0) {
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < remaining.length; i++) {
      const score = lambda * remaining[i].relevance - (1 - lambda) * maxSimilarity[i];
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const [chosen] = remaining.splice(best, 1);
    maxSimilarity.copyWithin(best, best + 1);
    picked.push(chosen.item);
    for (let i = 0; i < remaining.length; i++) maxSimilarity[i] = Math.max(maxSimilarity[i], similarity(remaining[i].item, chosen.item));
  }
  return picked;
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Jaccard overlap of two term sets: the similarity MMR uses when no vectors exist. */
export function termOverlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}
