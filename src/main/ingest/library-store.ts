import type { Db } from '../store/db';
import { deleteVectorsForChunks } from '../embed/vector-store';
import { KeywordRowWriter } from '../retrieve/bm25-writes';
import { indexDocument, unindexDocument } from '../retrieve/document-index';
import { segmentForIndex } from '../text/segment';
import type { Chunk } from './chunker';
import type { StoredPage } from './page-stream';
import type { ParsedDocument, ParsedSummary, UnindexedDocument } from './parse';

// Every write of a document's content happens in one transaction: pages, chunks, keyword rows and vectors are
// replaced together, so a crash or a failed re-index never leaves partial or orphan rows. A long document streams
// into this connection's temporary tables first (StagedDocument), invisible to every reader and gone with the
// connection after a crash; commitStagedDocument moves it into the library in that one transaction.

/** Writes vectors for chunk rows inside the content transaction; the retrieval area's store. */
export type VectorWriter = (db: Db, chunkIds: number[], vectors: Float32Array[]) => void;

/** Vectors for a document's chunks, computed before the write transaction; written by the retrieval area's store. */
export interface ChunkVectors {
  vectors: Float32Array[];
  write: VectorWriter;
}

/** Chunk rows moved (and read for embedding) at a time, so neither holds a whole document. */
export const STAGED_CHUNK_BATCH = 256;
/** Page texts read at a time for the document index when a document is committed. */
export const STAGED_PAGE_BATCH = 64;

const CHUNK_COLUMNS = 'ordinal, text, token_count, page_start, page_end, label_start, label_end, char_start, char_end, heading_path, context, kind';

function createStagingTables(db: Db): void {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS staged_pages (job INTEGER NOT NULL, page_number INTEGER NOT NULL, label TEXT, text TEXT NOT NULL,
      ocr_confidence REAL, ocr_words TEXT, PRIMARY KEY (job, page_number));
    CREATE TEMP TABLE IF NOT EXISTS staged_chunks (job INTEGER NOT NULL, ${CHUNK_COLUMNS}, vector BLOB, PRIMARY KEY (job, ordinal));`);
}

interface StagedChunkRow {
  ordinal: number;
  text: string;
  token_count: number;
  page_start: number;
  page_end: number;
  label_start: string | null;
  label_end: string | null;
  char_start: number;
  char_end: number;
  heading_path: string;
  context: string;
  kind: string;
  vector: Buffer | null;
}

/** One document's content as it streams in, keyed by its job; nothing here is visible outside this connection. */
export class StagedDocument {
  constructor(
    private readonly db: Db,
    readonly key: number,
  ) {
    createStagingTables(db);
    this.discard(); // an interrupted earlier attempt of the same job
  }

  /** Adds the next pages and chunks (a temporary-table write: it takes no lock on the library). */
  add(pages: StoredPage[], chunks: Chunk[]): void {
    const insertPage = this.db.prepare('INSERT INTO temp.staged_pages (job, page_number, label, text, ocr_confidence, ocr_words) VALUES (?, ?, ?, ?, ?, ?)');
    const insertChunk = this.db.prepare(`INSERT INTO temp.staged_chunks (job, ${CHUNK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const page of pages) insertPage.run(this.key, page.number, page.label, page.text, page.ocr?.confidence ?? null, page.ocr ? JSON.stringify(page.ocr.words) : null);
      for (const c of chunks) insertChunk.run(this.key, c.ordinal, c.text, c.tokenCount, c.pageStart, c.pageEnd, c.labelStart, c.labelEnd, c.charStart, c.charEnd, c.headingPath, c.context, c.kind);
    })();
  }

  /** The staged chunk texts in order, a batch at a time (each batch read in full before it is yielded). */
  *chunkTexts(batch = STAGED_CHUNK_BATCH): Generator<{ ordinals: number[]; texts: string[] }> {
    for (const rows of this.chunkRows(batch)) yield { ordinals: rows.map((r) => r.ordinal), texts: rows.map((r) => r.text) };
  }

  setVectors(ordinals: number[], vectors: Float32Array[]): void {
    const update = this.db.prepare('UPDATE temp.staged_chunks SET vector = ? WHERE job = ? AND ordinal = ?');
    this.db.transaction(() => ordinals.forEach((ordinal, i) => update.run(Buffer.from(vectors[i].buffer, vectors[i].byteOffset, vectors[i].byteLength), this.key, ordinal)))();
  }

  /** Whether every staged chunk has its vector. */
  get fullyEmbedded(): boolean {
    return !this.db.prepare('SELECT 1 FROM temp.staged_chunks WHERE job = ? AND vector IS NULL LIMIT 1').get(this.key);
  }

  /** The staged page texts in page order, a batch at a time (an open iterate() would keep the connection busy). */
  *pageTexts(batch = STAGED_PAGE_BATCH): Generator<string> {
    const select = this.db.prepare('SELECT page_number AS n, text FROM temp.staged_pages WHERE job = ? AND page_number > ? ORDER BY page_number LIMIT ?');
    for (let after = -1; ; ) {
      const rows = select.all(this.key, after, batch) as { n: number; text: string }[];
      if (rows.length === 0) return;
      after = rows.at(-1)!.n;
      for (const row of rows) yield row.text;
    }
  }

  *chunkRows(batch = STAGED_CHUNK_BATCH): Generator<StagedChunkRow[]> {
    const select = this.db.prepare(`SELECT ${CHUNK_COLUMNS}, vector FROM temp.staged_chunks WHERE job = ? AND ordinal > ? ORDER BY ordinal LIMIT ?`);
    for (let after = -1; ; ) {
      const rows = select.all(this.key, after, batch) as StagedChunkRow[];
      if (rows.length === 0) return;
      after = rows.at(-1)!.ordinal;
      yield rows;
    }
  }

  discard(): void {
    this.db.prepare('DELETE FROM temp.staged_pages WHERE job = ?').run(this.key);
    this.db.prepare('DELETE FROM temp.staged_chunks WHERE job = ?').run(this.key);
  }
}

function deleteContent(db: Db, documentId: number, keywordRows: KeywordRowWriter): void {
  const chunkIds = (db.prepare('SELECT id FROM chunks WHERE document_id = ?').all(documentId) as { id: number }[]).map((r) => r.id);
  deleteVectorsForChunks(db, chunkIds);
  for (const id of chunkIds) keywordRows.delete(id);
  unindexDocument(db, documentId);
  db.prepare('DELETE FROM chunks WHERE document_id = ?').run(documentId);
  db.prepare('DELETE FROM pages WHERE document_id = ?').run(documentId);
}

export interface FileFacts {
  contentHash: string;
  sizeBytes: number;
  mtimeMs: number | null;
}

/** Replaces a document's content with a parse result held in memory and marks it indexed (plus finishes its job), atomically. */
export function storeParsedDocument(db: Db, documentId: number, jobId: number, parsed: ParsedDocument, file: FileFacts, vectors: ChunkVectors | null): void {
  const staged = new StagedDocument(db, jobId);
  try {
    staged.add(parsed.pages, parsed.chunks);
    if (vectors) staged.setVectors(parsed.chunks.map((c) => c.ordinal), vectors.vectors);
    commitStagedDocument(db, staged, documentId, jobId, parsed, file, vectors?.write ?? null);
  } finally {
    staged.discard();
  }
}

/**
 * Replaces a document's content with its staged pages and chunks and marks it indexed (plus finishes its job) in one
 * transaction: readers see the old content or the new, never part of either. Vectors are written only when every
 * chunk has one (otherwise the retrieval area's backfill embeds them later).
 */
export function commitStagedDocument(db: Db, staged: StagedDocument, documentId: number, jobId: number, parsed: ParsedSummary, file: FileFacts, writeVectors: VectorWriter | null): void {
  const keywordRows = new KeywordRowWriter(db);
  db.transaction(() => {
    deleteContent(db, documentId, keywordRows);
    db.prepare(`INSERT INTO pages (document_id, page_number, label, text, ocr_confidence, ocr_words)
      SELECT ?, page_number, label, text, ocr_confidence, ocr_words FROM temp.staged_pages WHERE job = ? ORDER BY page_number`).run(documentId, staged.key);
    const insertChunk = db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, label_start, label_end,
      char_start, char_end, heading_path, context, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const withVectors = writeVectors !== null && staged.fullyEmbedded;
    let chunkCount = 0;
    // The document index's outline: distinct heading paths in order of first appearance, gathered from the batches
    // copied here rather than by a second pass over the staged chunks.
    const headingPaths = new Set<string>();
    for (const rows of staged.chunkRows()) {
      const chunkIds: number[] = [];
      for (const c of rows) {
        headingPaths.add(c.heading_path);
        const id = Number(
          insertChunk.run(documentId, c.ordinal, c.text, c.token_count, c.page_start, c.page_end, c.label_start, c.label_end, c.char_start, c.char_end, c.heading_path, c.context, c.kind).lastInsertRowid,
        );
        keywordRows.insert(id, segmentForIndex(c.text), segmentForIndex(c.heading_path), segmentForIndex(c.context));
        chunkIds.push(id);
      }
      chunkCount += rows.length;
      if (withVectors) writeVectors(db, chunkIds, rows.map((r) => new Float32Array(r.vector!.buffer.slice(r.vector!.byteOffset, r.vector!.byteOffset + r.vector!.byteLength))));
    }
    const path = (db.prepare('SELECT path FROM documents WHERE id = ?').get(documentId) as { path: string } | undefined)?.path ?? '';
    indexDocument(db, { documentId, title: parsed.title, filePath: path, pageTexts: staged.pageTexts(), headingPaths: [...headingPaths] });
    db.prepare(`UPDATE documents SET status = 'indexed', title = ?, type = ?, content_hash = ?, size_bytes = ?, mtime_ms = ?, page_count = ?,
      chunk_count = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`).run(
      parsed.title, parsed.format, file.contentHash, file.sizeBytes, file.mtimeMs, parsed.pageCount, chunkCount,
      parsed.notice?.code ?? null, parsed.notice?.message ?? null, Date.now(), documentId,
    );
    db.prepare("UPDATE jobs SET state = 'done', error = NULL, updated_at = ? WHERE id = ?").run(Date.now(), jobId);
  }).immediate();
  keywordRows.committed();
}

/** Records why a document cannot be indexed; any earlier content of it (a changed file) is removed in the same transaction. */
export function storeUnindexedDocument(db: Db, documentId: number, jobId: number, outcome: UnindexedDocument, file: FileFacts): void {
  const keywordRows = new KeywordRowWriter(db);
  db.transaction(() => {
    deleteContent(db, documentId, keywordRows);
    db.prepare(`UPDATE documents SET status = ?, type = COALESCE(?, type), content_hash = ?, size_bytes = ?, mtime_ms = ?, page_count = ?,
      chunk_count = 0, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?`).run(
      outcome.status, outcome.format, file.contentHash, file.sizeBytes, file.mtimeMs, outcome.pageCount, outcome.problem.code, outcome.problem.message, Date.now(), documentId,
    );
    db.prepare('UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(outcome.status === 'failed' ? 'failed' : 'done', outcome.problem.message, Date.now(), jobId);
  }).immediate();
  keywordRows.committed();
}

/** Deletes documents with their pages, chunks, keyword rows, vectors and jobs. */
export function removeDocuments(db: Db, documentIds: number[]): number {
  let removed = 0;
  const keywordRows = new KeywordRowWriter(db);
  db.transaction(() => {
    for (const id of documentIds) {
      deleteContent(db, id, keywordRows);
      removed += db.prepare('DELETE FROM documents WHERE id = ?').run(id).changes;
    }
  }).immediate();
  keywordRows.committed();
  return removed;
}
