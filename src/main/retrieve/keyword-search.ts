import type { Db } from '../store/db';
import { matchExpression } from './keyword-query';

export interface KeywordHit {
  chunkId: number;
  /** BM25 relevance, higher is better (FTS5's bm25() negated). */
  score: number;
}

export interface KeywordOptions {
  k: number;
  workspaceId?: number;
  documentIds?: number[];
  /** bm25() column weights for (body, heading): a heading match says more about a chunk than a body match. */
  headingWeight?: number;
}

export const DEFAULT_HEADING_WEIGHT = 1;

/** The k chunks with the best BM25 score for the query's terms; chunks_fts is contentless, keyed by chunks.id. */
export function keywordSearch(db: Db, query: string, options: KeywordOptions): KeywordHit[] {
  const match = matchExpression(query);
  if (!match) return [];
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
