import type Database from 'better-sqlite3';
import { indexDocument } from '../../retrieve/document-index';
import { segmentForIndex } from '../../text/segment';
import type { Migration } from './migration';

// Retrieval context: each chunk's contextual header (its document's entity and period, statement, table title) in
// its own column of chunks_fts with its own weight; a document-level index for routing questions to documents; the
// abbreviations each document defines. FTS5 tables cannot gain a column, so chunks_fts is rebuilt from chunks, and
// existing documents are profiled from their stored pages (their chunks get a context when they are re-indexed).
export const retrievalContext: Migration = {
  version: 6,
  name: 'retrieval_context',
  up: (db: Database.Database) => {
    db.exec(`
      ALTER TABLE chunks ADD COLUMN context TEXT NOT NULL DEFAULT '';
      DROP TABLE chunks_fts;
      CREATE VIRTUAL TABLE chunks_fts USING fts5 (
        body, heading, context,
        content = '', contentless_delete = 1,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE VIRTUAL TABLE documents_fts USING fts5 (
        name, period, outline,
        content = '', contentless_delete = 1,
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TABLE abbreviations (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        short       TEXT NOT NULL,
        expansion   TEXT NOT NULL,
        PRIMARY KEY (document_id, short, expansion)
      ) WITHOUT ROWID;
      CREATE INDEX abbreviations_by_short ON abbreviations (short);
    `);
    const insertFts = db.prepare("INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (?, ?, ?, '')");
    // In batches by id: better-sqlite3 cannot write while a read statement is still iterating.
    const batch = db.prepare('SELECT id, text, heading_path AS heading FROM chunks WHERE id > ? ORDER BY id LIMIT 2000');
    for (let after = 0; ; ) {
      const rows = batch.all(after) as { id: number; text: string; heading: string }[];
      if (rows.length === 0) break;
      for (const chunk of rows) insertFts.run(chunk.id, segmentForIndex(chunk.text), segmentForIndex(chunk.heading));
      after = rows.at(-1)!.id;
    }
    const pagesOf = db.prepare('SELECT text FROM pages WHERE document_id = ? ORDER BY page_number');
    const headingsOf = db.prepare('SELECT heading_path AS h FROM chunks WHERE document_id = ? ORDER BY ordinal');
    const documents = db.prepare("SELECT id, title, path FROM documents WHERE status = 'indexed'").all() as { id: number; title: string; path: string }[];
    for (const doc of documents) {
      indexDocument(db, {
        documentId: doc.id,
        title: doc.title,
        filePath: doc.path,
        pageTexts: (pagesOf.all(doc.id) as { text: string }[]).map((p) => p.text),
        headingPaths: (headingsOf.all(doc.id) as { h: string }[]).map((r) => r.h),
      });
    }
  },
};
