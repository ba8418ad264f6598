import { AppError } from '../../shared/errors';
import type { ChunkWithProvenance } from './provenance';
import { analyseQuery } from './query-analysis';

// The reranking stage: a scorer reads the query with each candidate passage and orders them again. A cross-encoder
// (an ms-marco-MiniLM or bge-reranker class model run by transformers.js) where one is installed; otherwise a lexical
// scorer that rewards passages covering more of the query's terms, closer together. Scorers are interchangeable, so
// the stage is tested with a stub and a model never has to be present for search to work.

export interface PassageScorer {
  /** Names the scorer in results and logs ("lexical", the model folder's name). */
  readonly name: string;
  /** One relevance score per passage, higher is better; only the order within one call matters. */
  score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]>;
}

/** Candidates read by the scorer; the rest keep their order below them. */
export const RERANK_DEPTH = 50;

/** What the scorer sees of a passage: its contextual header and heading path, then its text. */
export const passageForScoring = (chunk: Pick<ChunkWithProvenance, 'text' | 'headingPath'> & { context?: string }) =>
  [chunk.context, chunk.headingPath, chunk.text].filter(Boolean).join('\n');

/**
 * Reorders the first `depth` candidates by the scorer (ties keep their earlier order) and gives each a score in (0, 1]
 * that follows the new order, so later stages (MMR) read the reranked relevance.
 */
export async function rerankCandidates<T extends { fused: number }>(
  query: string,
  candidates: T[],
  chunkOf: (candidate: T) => Pick<ChunkWithProvenance, 'text' | 'headingPath'> & { context?: string },
  scorer: PassageScorer,
  signal?: AbortSignal,
  depth = RERANK_DEPTH,
): Promise<T[]> {
  const head = candidates.slice(0, depth);
  if (head.length <= 1) return candidates;
  const scores = await scorer.score(query, head.map((c) => passageForScoring(chunkOf(c))), signal);
  if (scores.length !== head.length) throw new AppError('rerank_failed', `The ${scorer.name} reranker returned ${scores.length} scores for ${head.length} passages.`);
  const order = head.map((candidate, index) => ({ candidate, score: scores[index], index })).sort((a, b) => b.score - a.score || a.index - b.index);
  const reranked = order.map(({ candidate }, rank) => ({ ...candidate, fused: 1 / (1 + rank) }));
  const tail = candidates.slice(depth).map((candidate, i) => ({ ...candidate, fused: 1 / (1 + depth + i) }));
  return [...reranked, ...tail];
}

/**
 * The fallback scorer: the share of the query's terms a passage contains, plus a bonus for how tightly they cluster
 * (the shortest window of words holding every term it contains). Terms are compared by their first five letters, a
 * crude stem that lets "dividends" meet "dividend".
 */
export const lexicalScorer: PassageScorer = {
  name: 'lexical',
  score: async (query, passages) => {
    const stem = (word: string) => word.slice(0, 5);
    const terms = [...new Set(analyseQuery(query).terms.map(stem))];
    if (terms.length === 0) return passages.map(() => 0);
    return passages.map((passage) => {
      const words = (passage.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(stem);
      const positions = new Map<string, number[]>();
      words.forEach((word, i) => {
        if (terms.includes(word)) (positions.get(word) ?? positions.set(word, []).get(word)!).push(i);
      });
      const covered = positions.size;
      if (covered === 0) return 0;
      return covered / terms.length + 0.25 * (covered / (shortestWindow(positions) + 1));
    });
  },
};

/** Length in words of the shortest span containing at least one position of every list (a k-way sweep). */
export function shortestWindow(positions: Map<string, number[]>): number {
  const events = [...positions].flatMap(([term, list]) => list.map((at) => ({ term, at }))).sort((a, b) => a.at - b.at);
  const inWindow = new Map<string, number>();
  let best = Infinity;
  let left = 0;
  for (const event of events) {
    inWindow.set(event.term, (inWindow.get(event.term) ?? 0) + 1);
    while (inWindow.size === positions.size) {
      best = Math.min(best, event.at - events[left].at + 1);
      const leaving = events[left++];
      const n = inWindow.get(leaving.term)! - 1;
      if (n === 0) inWindow.delete(leaving.term);
      else inWindow.set(leaving.term, n);
    }
  }
  return best;
}
