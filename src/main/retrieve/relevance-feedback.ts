import type { Db } from '../store/db';
import { STOP_WORDS } from './keyword-query';
import type { KeywordHit } from './keyword-search';
import { analyseQuery } from './query-analysis';

// Pseudo-relevance feedback in the manner of RM3 (Abdul-Jaleel et al. 2004; Lavrenko & Croft's relevance model):
// treat the first ranking's top passages as relevant, weight each term by Σ_d P(t|d)·score(d) over them, and add
// the best terms the query lacks. FTS5 cannot weight query terms, so the expansion is interpolated by count, not weight.

export interface FeedbackOptions {
  /** Top passages read as relevant. */
  passages?: number;
  /** Terms added to the query. */
  terms?: number;
}

export const FEEDBACK_PASSAGES = 8;
export const FEEDBACK_TERMS = 8;

/** Terms that are neither in the query, nor answer-form words, nor numbers, nor shorter than three characters. */
const usable = (term: string, query: Set<string>) => !query.has(term) && term.length >= 3 && !/^\d+$/.test(term) && analyseQuery(term).terms[0] === term;

/** Expansion terms, best first, from the top passages of a ranking (scores higher is better). */
export function feedbackTerms(db: Db, ranking: KeywordHit[], query: Set<string>, options: FeedbackOptions = {}): string[] {
  const top = ranking.slice(0, options.passages ?? FEEDBACK_PASSAGES);
  const texts = new Map(
    (db.prepare('SELECT id, text FROM chunks WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(top.map((h) => h.chunkId))) as { id: number; text: string }[]).map(
      (row) => [row.id, row.text],
    ),
  );
  return relevanceModel(
    top.map((hit) => ({ text: texts.get(hit.chunkId) ?? '', score: hit.score })),
    query,
    options.terms ?? FEEDBACK_TERMS,
  );
}

const contentWords = (text: string) => (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word));

/** The relevance model's best terms: P(t|R) ∝ Σ_d P(t|d) · P(d|q), with P(d|q) the passage's share of the top scores. */
export function relevanceModel(passages: { text: string; score: number }[], query: Set<string>, count: number): string[] {
  const total = passages.reduce((sum, p) => sum + Math.max(0, p.score), 0);
  if (total <= 0) return [];
  const weight = new Map<string, number>();
  for (const passage of passages) {
    const words = contentWords(passage.text);
    if (words.length === 0) continue;
    const tf = new Map<string, number>();
    for (const word of words) tf.set(word, (tf.get(word) ?? 0) + 1);
    const prior = Math.max(0, passage.score) / total;
    for (const [term, n] of tf) if (usable(term, query)) weight.set(term, (weight.get(term) ?? 0) + (n / words.length) * prior);
  }
  // Terms seen in a single passage describe that passage, not what the top passages share.
  const spread = new Map<string, number>();
  for (const passage of passages) for (const term of new Set(contentWords(passage.text))) spread.set(term, (spread.get(term) ?? 0) + 1);
  return [...weight]
    .filter(([term]) => (spread.get(term) ?? 0) >= 2)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([term]) => term);
}
