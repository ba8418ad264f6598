import type { SearchHit } from '../../shared/contract/search';
import type { Chunk } from '../ingest/chunker';
import type { Db } from '../store/db';

/** A chunk with everything a citation needs: its document, pages, printed labels, offsets and heading path. */
export type ChunkWithProvenance = Omit<SearchHit, 'score' | 'signals'>;

/** A chunk row as ingestion stored it (chunker.ts's Chunk), joined with its document. */
interface Row extends Pick<Chunk, 'text' | 'headingPath' | 'context' | 'pageStart' | 'pageEnd' | 'labelStart' | 'labelEnd' | 'charStart' | 'charEnd'> {
  chunkId: number;
  kind: string;
  documentId: number;
  title: string;
  path: string;
  type: string;
  workspaceId: number;
}

export const loadChunksSql = `
  SELECT c.id AS chunkId, c.text, c.kind, c.heading_path AS headingPath, c.context, c.page_start AS pageStart, c.page_end AS pageEnd,
         c.label_start AS labelStart, c.label_end AS labelEnd, c.char_start AS charStart, c.char_end AS charEnd,
         d.id AS documentId, d.title, d.path, d.type, d.workspace_id AS workspaceId
  FROM chunks c JOIN documents d ON d.id = c.document_id
  WHERE c.id IN (SELECT value FROM json_each(?))`;

/** Loads chunks by id (one query), keyed by id; ids that no longer exist are absent. */
export function loadChunks(db: Db, chunkIds: number[]): Map<number, ChunkWithProvenance> {
  if (chunkIds.length === 0) return new Map();
  const rows = db
    .prepare(loadChunksSql)
    .all(JSON.stringify(chunkIds)) as Row[];
  return new Map(
    rows.map((row) => [
      row.chunkId,
      {
        chunkId: row.chunkId,
        document: { id: row.documentId, title: row.title, path: row.path, type: row.type, workspaceId: row.workspaceId },
        pages: { start: row.pageStart, end: row.pageEnd, labelStart: row.labelStart, labelEnd: row.labelEnd },
        offsets: { start: row.charStart, end: row.charEnd },
        headingPath: row.headingPath,
        context: row.context,
        kind: row.kind,
        text: row.text,
      },
    ]),
  );
}
