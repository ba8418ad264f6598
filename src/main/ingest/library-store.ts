import type { Db } from '../store/db';
import { deleteVectorsForChunks } from '../embed/vector-store';
import { indexDocument, unindexDocument } from '../retrieve/document-index';
import { segmentForIndex } from '../text/segment';
import type { ParsedDocument, UnindexedDocument } from './parse';

// Every write of a document's content happens in one transaction: pages, chunks, keyword rows and vectors are
// replaced together, so a crash or a failed re-index never leaves partial or orphan rows.

/** Vectors for a document's chunks, computed before the write transaction; written by the retrieval area's store. */
export interface ChunkVectors {
  vectors: Float32Array[];
  write(db: Db, chunkIds: number[], vectors: Float32Array[]): void;
}

function deleteContent(db: Db, documentId: number): void {
  const chunkIds = (db.prepare('SELECT id FROM chunks WHERE document_id = ?').all(documentId) as { id: number }[]).map((r) => r.id);
  deleteVectorsForChunks(db, chunkIds);
  const deleteFts = db.prepare('DELETE FROM chunks_fts WHERE rowid = ?');
  for (const id of chunkIds) deleteFts.run(id);
  unindexDocument(db, documentId);
  db.prepare('DELETE FROM chunks WHERE document_id = ?').run(documentId);
  db.prepare('DELETE FROM pages WHERE document_id = ?').run(documentId);
}

export interface FileFacts {
  contentHash: string;
  sizeBytes: number;
  mtimeMs: number | null;
}

/** Replaces a document's content with a parse result and marks it indexed (plus finishes its job), atomically. */
export function storeParsedDocument(db: Db, documentId: number, jobId: number, parsed: ParsedDocument, file: FileFacts, vectors: ChunkVectors | null): void {
  db.transaction(() => {
    deleteContent(db, documentId);
    const insertPage = db.prepare('INSERT INTO pages (document_id, page_number, label, text, ocr_confidence, ocr_words) VALUES (?, ?, ?, ?, ?, ?)');
    for (const page of parsed.pages) {
      insertPage.run(documentId, page.number, page.label, page.text, page.ocr?.confidence ?? null, page.ocr ? JSON.stringify(page.ocr.words) : null);
    }
    const insertChunk = db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, label_start, label_end,
      char_start, char_end, heading_path, context, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertFts = db.prepare('INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (?, ?, ?, ?)');
    const chunkIds: number[] = [];
    for (const c of parsed.chunks) {
      const id = Number(
        insertChunk.run(documentId, c.ordinal, c.text, c.tokenCount, c.pageStart, c.pageEnd, c.labelStart, c.labelEnd, c.charStart, c.charEnd, c.headingPath, c.context, c.kind).lastInsertRowid,
      );
      insertFts.run(id, segmentForIndex(c.text), segmentForIndex(c.headingPath), segmentForIndex(c.context));
      chunkIds.push(id);
    }
    if (vectors) vectors.write(db, chunkIds, vectors.vectors);
    const path = (db.prepare('SELECT path FROM documents WHERE id = ?').get(documentId) as { path: string } | undefined)?.path ?? '';
    indexDocument(db, { documentId, title: parsed.title, filePath: path, pageTexts: parsed.pages.map((p) => p.text), headingPaths: parsed.chunks.map((c) => c.headingPath) });
    db.prepare(`UPDATE documents SET status = 'indexed', title = ?, type = ?, content_hash = ?, size_bytes = ?, mtime_ms = ?, page_count = ?,
      chunk_count = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`).run(
      parsed.title, parsed.format, file.contentHash, file.sizeBytes, file.mtimeMs, parsed.pageCount, parsed.chunks.length,
      parsed.notice?.code ?? null, parsed.notice?.message ?? null, Date.now(), documentId,
    );
    db.prepare("UPDATE jobs SET state = 'done', error = NULL, updated_at = ? WHERE id = ?").run(Date.now(), jobId);
  }).immediate();
}

/** Records why a document cannot be indexed; any earlier content of it (a changed file) is removed in the same transaction. */
export function storeUnindexedDocument(db: Db, documentId: number, jobId: number, outcome: UnindexedDocument, file: FileFacts): void {
  db.transaction(() => {
    deleteContent(db, documentId);
    db.prepare(`UPDATE documents SET status = ?, type = COALESCE(?, type), content_hash = ?, size_bytes = ?, mtime_ms = ?, page_count = ?,
      chunk_count = 0, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`).run(
      outcome.status, outcome.format, file.contentHash, file.sizeBytes, file.mtimeMs, outcome.pageCount, outcome.problem.code, outcome.problem.message, Date.now(), documentId,
    );
    db.prepare('UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(outcome.status === 'failed' ? 'failed' : 'done', outcome.problem.message, Date.now(), jobId);
  }).immediate();
}

/** Deletes documents with their pages, chunks, keyword rows, vectors and jobs. */
export function removeDocuments(db: Db, documentIds: number[]): number {
  let removed = 0;
  db.transaction(() => {
    for (const id of documentIds) {
      deleteContent(db, id);
      removed += db.prepare('DELETE FROM documents WHERE id = ?').run(id).changes;
    }
  }).immediate();
  return removed;
}
