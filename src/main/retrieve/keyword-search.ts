import type { Db } from '../store/db';
import { bm25TopK, documentFrequency, keywordIndexVersion, residentRowCount } from './bm25-postings';
import { queryTerms } from './keyword-query';
import { asRuns } from './row-runs';
import { workspaceRows } from './workspace-rows';

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

/** bm25() weights of the heading and context columns (the body's is 1). */
const columnWeights = (tuning: KeywordTuning) => [tuning.headingWeight ?? DEFAULT_HEADING_WEIGHT, tuning.contextWeight ?? DEFAULT_CONTEXT_WEIGHT];

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

interface LibraryStats {
  version: string;
  total: number;
  df: Map<string, number>;
  /** Prepared once per connection. */
  countChunks: { get(): unknown };
  countMatches: { get(match: string): unknown };
}

/**
 * Chunk count and term document frequencies, remembered until the keyword index is written: counting a common term's
 * rows costs as much as scanning its doclist. Writes elsewhere (jobs, health history) leave the index version alone.
 */
const statsCache = new WeakMap<Db, LibraryStats>();

function libraryStats(db: Db, version: string): LibraryStats {
  let stats = statsCache.get(db);
  if (!stats) {
    stats = {
      version: '',
      total: 0,
      df: new Map(),
      countChunks: db.prepare('SELECT COUNT(*) FROM chunks').pluck(),
      countMatches: db.prepare('SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck(),
    };
    statsCache.set(db, stats);
  }
  if (stats.version !== version) {
    stats.version = version;
    // The resident state's row count when it is current (a COUNT(*) walks a 1M-row index: ~10 ms after every write).
    stats.total = residentRowCount(db, version) ?? (stats.countChunks.get() as number);
    stats.df.clear();
  }
  return stats;
}

/**
 * The query's terms worth ranking by: rarer than maxTermShare of the chunks and within the posting budget, or else the
 * rarest few. `version` is the keyword index version the search read once (keywordIndexVersion).
 */
export function rankedTerms(db: Db, terms: string[], requestedShare?: number, version = keywordIndexVersion(db)): string[] {
  if (terms.length <= 1 || (requestedShare ?? 0) >= 1) return terms;
  const stats = libraryStats(db, version);
  const { total } = stats;
  if (requestedShare === undefined && total <= PRUNE_ABOVE_CHUNKS) return terms;
  const maxTermShare = requestedShare ?? DEFAULT_MAX_TERM_SHARE;
  const dfOf = (term: string) => {
    let df = stats.df.get(term);
    if (df === undefined) {
      // The resident state knows a listed term's rows and keeps counted ones through recorded inserts; else FTS5 counts.
      const count = () => stats.countMatches.get(quote(term)) as number;
      stats.df.set(term, (df = documentFrequency(db, term, version, count) ?? count()));
    }
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

/** The k chunks with the best BM25 score for the query's terms (a string, or terms already analysed); keyed by chunks.id. */
export function keywordSearch(db: Db, query: string | string[], options: KeywordOptions): KeywordHit[] {
  const version = keywordIndexVersion(db);
  return matchChunks(db, rankedTerms(db, typeof query === 'string' ? queryTerms(query) : query, options.maxTermShare, version), options, version);
}

/** Up to this many documents are searched one rowid range each; more go through one filtered query. */
const RANGED_DOCUMENTS = 8;

/**
 * The k chunks with the best BM25 score for terms chosen by rankedTerms, OR-ed. A document's chunks are written in
 * one transaction, so their ids form one range: FTS5 seeks a rowid range in its doclists instead of scoring every row
 * the terms match in the library, which makes a search within a few documents several times cheaper.
 */
export function matchChunks(db: Db, terms: string[], options: KeywordOptions, version = keywordIndexVersion(db)): KeywordHit[] {
  if (terms.length === 0) return [];
  // Every term is quoted (a phrase of one token) and OR-ed: user text never reaches FTS5 as query syntax.
  const match = terms.map(quote).join(' OR ');
  if (options.documentIds) {
    // A document set ranked from resident postings, over just its rows: the ranking FTS5's filtered query gives.
    const documentIds = options.documentIds;
    const within = () => asRuns(chunksOf(db, documentIds, options.workspaceId));
    const ranked = bm25TopK(db, terms, [1.0, ...columnWeights(options)], options.k, { version, within });
    if (ranked) return withChunkFacts(db, ranked);
  }
  if (!options.documentIds || options.documentIds.length > RANGED_DOCUMENTS) return matchRows(db, terms, match, options, null, version);
  const rangeOf = db.prepare('SELECT MIN(id) AS first, MAX(id) AS last FROM chunks WHERE document_id = ?');
  const hits = options.documentIds.flatMap((documentId) => {
    const range = rangeOf.get(documentId) as { first: number | null; last: number | null };
    return range.first === null ? [] : matchRows(db, terms, match, { ...options, documentIds: [documentId] }, [range.first, range.last!], version);
  });
  return hits.sort((a, b) => b.score - a.score).slice(0, options.k);
}

function matchRows(db: Db, terms: string[], match: string, options: KeywordOptions, rowids: [number, number] | null, version: string): KeywordHit[] {
  const weights = columnWeights(options);
  const workspaceId = options.workspaceId !== undefined && !workspaceHoldsAll(db, options.workspaceId) ? options.workspaceId : undefined;
  if (!options.documentIds) {
    // The same ranking from resident postings (bm25-postings.ts), when they can answer: ~1 µs a matched row saved.
    // A workspace filter scores only its rows, with the whole index's IDF and average length as FTS5 keeps them.
    // (A document set was offered to them in matchChunks.)
    const within = workspaceId === undefined ? undefined : () => workspaceRows(db, workspaceId, version);
    const ranked = rowids === null ? bm25TopK(db, terms, [1.0, ...weights], options.k, { version, within }) : null;
    if (ranked) return withChunkFacts(db, ranked);
  }
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

/** Ranked rows with their chunk's document and context, in rank order; a row whose chunk is gone is left out, as the join does. */
function withChunkFacts(db: Db, ranked: { chunkId: number; score: number }[]): KeywordHit[] {
  if (ranked.length === 0) return [];
  const rows = db
    .prepare('SELECT c.id, c.document_id AS documentId, c.context FROM chunks c WHERE c.id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ranked.map((hit) => hit.chunkId))) as { id: number; documentId: number; context: string }[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ranked.flatMap(({ chunkId, score }) => {
    const chunk = byId.get(chunkId);
    return chunk ? [{ chunkId, documentId: chunk.documentId, context: chunk.context, score }] : [];
  });
}

/** The chunk ids of these documents (those in the workspace, when one is named), ascending. */
function chunksOf(db: Db, documentIds: number[], workspaceId: number | undefined): number[] {
  const inWorkspace = workspaceId === undefined ? '' : 'AND c.document_id IN (SELECT id FROM documents WHERE workspace_id = ?)';
  return db
    .prepare(`SELECT c.id FROM chunks c WHERE c.document_id IN (SELECT value FROM json_each(?)) ${inWorkspace} ORDER BY c.id`)
    .pluck()
    .all(JSON.stringify(documentIds), ...(workspaceId === undefined ? [] : [workspaceId])) as number[];
}

/** True when no other workspace has documents: its filter would keep every row, so ranking can skip the join. */
function workspaceHoldsAll(db: Db, workspaceId: number): boolean {
  return !db.prepare('SELECT 1 FROM documents WHERE workspace_id != ? LIMIT 1').get(workspaceId);
}
