import type { Db } from '../store/db';
import { queryTerms } from './keyword-query';

export interface KeywordHit {
  chunkId: number;
  documentId: number;
  /** The chunk's contextual header (chunker.ts). */
  context: string;
  /** BM25 relevance, higher is better (FTS5's bm25() negated). */
  score: number;
}

export interface KeywordTuning {
  /** bm25() weight of the heading column relative to the body: a heading match says more about a chunk. */
  headingWeight?: number;
  /** bm25() weight of the contextual header column (document, statement, table title): see chunker.ts. */
  contextWeight?: number;
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
export const DEFAULT_CONTEXT_WEIGHT = 1;
export const DEFAULT_MAX_TERM_SHARE = 0.1;
/** Below this many chunks ranking every term is cheap (a few ms), so no term is left out by default. */
export const PRUNE_ABOVE_CHUNKS = 20_000;
/** When every term is common, the ranked query keeps this many of the rarest. */
const RAREST_FALLBACK = 3;
/**
 * Rows FTS5 may score for one query, summed over its terms (rarest terms first; the rarest few are always kept). BM25
 * measured ~1 µs per matched row at 1M chunks (quiet machine: 50k rows 34 ms p50), where 10% of the library is 100k
 * rows a term; at 100k chunks a SciFact query matches ~17k rows, so the budget rarely binds there.
 */
export const MAX_RANKED_POSTINGS = 25_000;

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

/**
 * Chunk count and term document frequencies, remembered until anything is written: counting a common term's rows costs
 * as much as scanning its doclist. Any commit by another connection moves data_version, this one's total_changes().
 */
const statsCache = new WeakMap<Db, { version: string; total: number; df: Map<string, number> }>();

function libraryStats(db: Db): { total: number; df: Map<string, number> } {
  const version = `${db.pragma('data_version', { simple: true }) as number}:${(db.prepare('SELECT total_changes() AS n').get() as { n: number }).n}`;
  let stats = statsCache.get(db);
  if (stats?.version !== version) {
    stats = { version, total: (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n, df: new Map() };
    statsCache.set(db, stats);
  }
  return stats;
}

/** The query's terms worth ranking by: rarer than maxTermShare of the chunks and within the posting budget, or else the rarest few. */
function rankedTerms(db: Db, terms: string[], requestedShare: number | undefined): string[] {
  if (terms.length <= 1 || (requestedShare ?? 0) >= 1) return terms;
  const stats = libraryStats(db);
  const { total } = stats;
  if (requestedShare === undefined && total <= PRUNE_ABOVE_CHUNKS) return terms;
  const maxTermShare = requestedShare ?? DEFAULT_MAX_TERM_SHARE;
  const documentFrequency = db.prepare('SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH ?');
  const dfOf = (term: string) => {
    let df = stats.df.get(term);
    if (df === undefined) stats.df.set(term, (df = (documentFrequency.get(quote(term)) as { n: number }).n));
    return df;
  };
  const counted = terms.map((term) => ({ term, df: dfOf(term) })).filter((t) => t.df > 0).sort((a, b) => a.df - b.df);
  let postings = 0;
  const kept = counted.filter((t, rank) => {
    if (t.df > maxTermShare * total && rank >= RAREST_FALLBACK) return false;
    if (rank >= RAREST_FALLBACK && postings + t.df > MAX_RANKED_POSTINGS) return false;
    postings += t.df;
    return true;
  });
  const rare = kept.filter((t) => t.df <= maxTermShare * total);
  // Original query order, so the FTS5 expression reads as the question did.
  const keep = new Set((rare.length > 0 ? rare : kept).map((t) => t.term));
  return terms.filter((term) => keep.has(term));
}

/** The query's terms worth ranking by, as one FTS5 expression (every term quoted and OR-ed), or null when none is left. */
export function rankedMatch(db: Db, terms: string[], maxTermShare?: number): string | null {
  const kept = rankedTerms(db, terms, maxTermShare);
  // Every term is quoted (a phrase of one token) and OR-ed: user text never reaches FTS5 as query syntax.
  return kept.length > 0 ? kept.map(quote).join(' OR ') : null;
}

/** The k chunks with the best BM25 score for the query's terms (a string, or terms already analysed); keyed by chunks.id. */
export function keywordSearch(db: Db, query: string | string[], options: KeywordOptions): KeywordHit[] {
  const match = rankedMatch(db, typeof query === 'string' ? queryTerms(query) : query, options.maxTermShare);
  return match ? matchChunks(db, match, options) : [];
}

/** Up to this many documents are searched one rowid range each; more go through one filtered query. */
const RANGED_DOCUMENTS = 8;

/**
 * The k chunks with the best BM25 score for an FTS5 expression built by rankedMatch. A document's chunks are written in
 * one transaction, so their ids form one range: FTS5 seeks a rowid range in its doclists instead of scoring every row
 * the terms match in the library, which makes a search within a few documents several times cheaper.
 */
export function matchChunks(db: Db, match: string, options: KeywordOptions): KeywordHit[] {
  if (!options.documentIds || options.documentIds.length > RANGED_DOCUMENTS) return matchRows(db, match, options, null);
  const rangeOf = db.prepare('SELECT MIN(id) AS first, MAX(id) AS last FROM chunks WHERE document_id = ?');
  const hits = options.documentIds.flatMap((documentId) => {
    const range = rangeOf.get(documentId) as { first: number | null; last: number | null };
    return range.first === null ? [] : matchRows(db, match, { ...options, documentIds: [documentId] }, [range.first, range.last!]);
  });
  return hits.sort((a, b) => b.score - a.score).slice(0, options.k);
}

function matchRows(db: Db, match: string, options: KeywordOptions, rowids: [number, number] | null): KeywordHit[] {
  const weights = [options.headingWeight ?? DEFAULT_HEADING_WEIGHT, options.contextWeight ?? DEFAULT_CONTEXT_WEIGHT];
  const workspaceId = options.workspaceId !== undefined && !workspaceHoldsAll(db, options.workspaceId) ? options.workspaceId : undefined;
  if (workspaceId === undefined && !options.documentIds) {
    // Ranked on the index alone, then only the top k rows read from chunks: joining every matched row first cost ~2.5x.
    const rows = db
      .prepare(
        `SELECT r.chunkId, c.document_id AS documentId, c.context, r.rank FROM (SELECT f.rowid AS chunkId, bm25(chunks_fts, 1.0, ?, ?) AS rank
           FROM chunks_fts f WHERE chunks_fts MATCH ? ${rowids ? 'AND f.rowid BETWEEN ? AND ?' : ''} ORDER BY rank LIMIT ?) r
         JOIN chunks c ON c.id = r.chunkId ORDER BY r.rank`,
      )
      .all(...weights, match, ...(rowids ?? []), options.k) as { chunkId: number; documentId: number; context: string; rank: number }[];
    return rows.map((row) => ({ chunkId: row.chunkId, documentId: row.documentId, context: row.context, score: -row.rank }));
  }
  const where = ['chunks_fts MATCH ?'];
  const params: unknown[] = [...weights, match];
  const join = 'JOIN chunks c ON c.id = f.rowid' + (workspaceId !== undefined ? ' JOIN documents d ON d.id = c.document_id' : '');
  if (rowids) {
    where.push('f.rowid BETWEEN ? AND ?');
    params.push(...rowids);
  }
  if (workspaceId !== undefined) {
    where.push('d.workspace_id = ?');
    params.push(workspaceId);
  }
  if (options.documentIds) {
    where.push('c.document_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(options.documentIds));
  }
  const rows = db
    .prepare(
      `SELECT f.rowid AS chunkId, c.document_id AS documentId, c.context, bm25(chunks_fts, 1.0, ?, ?) AS rank FROM chunks_fts f ${join} WHERE ${where.join(' AND ')} ORDER BY rank LIMIT ?`,
    )
    .all(...params, options.k) as { chunkId: number; documentId: number; context: string; rank: number }[];
  return rows.map((row) => ({ chunkId: row.chunkId, documentId: row.documentId, context: row.context, score: -row.rank }));
}

/** True when no other workspace has documents: its filter would keep every row, so ranking can skip the join. */
function workspaceHoldsAll(db: Db, workspaceId: number): boolean {
  return !db.prepare('SELECT 1 FROM documents WHERE workspace_id != ? LIMIT 1').get(workspaceId);
}
