// IR metrics as BEIR reports them (pytrec_eval / trec_eval definitions), over document ids ranked best first.

/** Relevance judgements of one query: document id → graded relevance (> 0 is relevant). */
export type Judgements = Map<string, number>;

/** nDCG@k with linear gain (trec_eval's ndcg_cut): DCG = Σ rel_i / log2(i + 1). */
export function ndcgAtK(ranked: string[], judged: Judgements, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => (dcg += (judged.get(id) ?? 0) / Math.log2(i + 2)));
  const ideal = [...judged.values()].filter((rel) => rel > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, rel, i) => sum + rel / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Share of the relevant documents found in the top k. */
export function recallAtK(ranked: string[], judged: Judgements, k: number): number {
  const relevant = [...judged].filter(([, rel]) => rel > 0).length;
  if (relevant === 0) return 0;
  return ranked.slice(0, k).filter((id) => (judged.get(id) ?? 0) > 0).length / relevant;
}

/** Reciprocal rank of the first relevant document within the top k, else 0. */
export function mrrAtK(ranked: string[], judged: Judgements, k: number): number {
  const index = ranked.slice(0, k).findIndex((id) => (judged.get(id) ?? 0) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

/** The value below which p percent of the sorted samples fall (nearest rank). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
