import type { Db } from '../store/db';
import { queryTerms } from './keyword-query';

export interface KeywordHit {
  chunkId: number;
  /** BM25 relevance, higher is better (FTS5's bm25() negated). */
  score: number;
}

export interface KeywordTuning {
  /** bm25() weight of the heading column relative to the body: a heading match says more about a chunk. */
  headingWeight?: number;
  /**
   * Terms found in more than this share of all chunks are left out of the ranked query (unless nothing rarer is left).
   * Their IDF is small, yet FTS5 scores every row they match: over 100k chunks a long query touches ~30% of rows and
   * ranking takes several times longer than with the rarer terms alone. Unset: 0.1, and only in libraries larger than
   * PRUNE_ABOVE_CHUNKS (SciFact train: nDCG@10 0.7007 with all terms, 0.6957 with 0.1).
   */
  maxTermShare?: number;
}

export interface KeywordOptions extends KeywordTuning {
  k: number;
  workspaceId?: number;
  documentIds?: number[];
}

export const DEFAULT_HEADING_WEIGHT = 1;
export const DEFAULT_MAX_TERM_SHARE = 0.1;
/** Below this many chunks ranking every term is cheap (a few ms), so no term is left out by default. */
export const PRUNE_ABOVE_CHUNKS = 20_000;
/** When every term is common, the ranked query keeps this many of the rarest. */
const RAREST_FALLBACK = 3;

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

/** The query's terms worth ranking by: rarer than maxTermShare of the chunks, or else the rarest few. */
function rankedTerms(db: Db, terms: string[], requestedShare: number | undefined): string[] {
  if (terms.length <= 1 || (requestedShare ?? 0) >= 1) return terms;
  const total = (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
  if (requestedShare === undefined && total <= PRUNE_ABOVE_CHUNKS) return terms;
  const maxTermShare = requestedShare ?? DEFAULT_MAX_TERM_SHARE;
  const documentFrequency = db.prepare('SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?');
  const counted = terms.map((term) => ({ term, df: (documentFrequency.get(quote(term)) as { n: number }).n })).filter((t) => t.df > 0);
  const rare = counted.filter((t) => t.df <= maxTermShare * total);
  const kept = rare.length > 0 ? rare : [...counted].sort((a, b) => a.df - b.df).slice(0, RAREST_FALLBACK);
  return kept.map((t) => t.term);
}

/** The k chunks with the best BM25 score for the query's terms; chunks_fts is contentless, keyed by chunks.id. */
export function keywordSearch(db: Db, query: string, options: KeywordOptions): KeywordHit[] {
  const terms = rankedTerms(db, queryTerms(query), options.maxTermShare);
  if (terms.length === 0) return [];
  // Every term is quoted (a phrase of one token) and OR-ed: user text never reaches FTS5 as query syntax.
  const match = terms.map(quote).join(' OR ');
  const where = ['chunks_fts MATCH ?'];
  const params: unknown[] = [options.headingWeight ?? DEFAULT_HEADING_WEIGHT, match];
  let join = '';
  if (options.workspaceId !== undefined || options.documentIds) {
    join = 'JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id';
    if (options.workspaceId !== undefined) {
      where.push('d.workspace_id = ?');
      params.push(options.workspaceId);
    }
    if (options.documentIds) {
      where.push('c.document_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(options.documentIds));
    }
  }
  const rows = db
    .prepare(`SELECT f.rowid AS chunkId, bm25(chunks_fts, 1.0, ?) AS rank FROM chunks_fts f ${join} WHERE ${where.join(' AND ')} ORDER BY rank LIMIT ?`)
    .all(...params, options.k) as { chunkId: number; rank: number }[];
  return rows.map((row) => ({ chunkId: row.chunkId, score: -row.rank }));
}
