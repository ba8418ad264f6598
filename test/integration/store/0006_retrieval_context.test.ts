import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { retrievalContext } from '../../../src/main/store/migrations/0006_retrieval_context';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0006-');

const cover = 'FORM 10-K\n\nFor the fiscal year ended December 31, 2021\n\nNORTHWIND TRADERS, INC.\n\n(Exact name of registrant as specified in its charter)';

describe('migration 0006_retrieval_context on a real SQLite file', () => {
  it('rebuilds the keyword index with a context column, keeping old chunks searchable, and profiles old documents', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < retrievalContext.version) });
    const documentId = Number(
      before
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at)
                  VALUES (1, '/filings/NORTHWIND_2021_10K.pdf', '0001234567-22-000001', 'pdf', 'h', 0, 'indexed', 0, 0)`)
        .run().lastInsertRowid,
    );
    before.prepare('INSERT INTO pages (document_id, page_number, label, text) VALUES (?, 1, NULL, ?)').run(documentId, cover);
    const chunkId = Number(
      before
        .prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path)
                  VALUES (?, 0, 'Dividends paid rose.', 3, 1, 1, 0, 20, 'Consolidated Statements of Cash Flows')`)
        .run(documentId).lastInsertRowid,
    );
    before.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)').run(chunkId, 'Dividends paid rose.', 'Consolidated Statements of Cash Flows');
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= retrievalContext.version) });
    expect(storeVersions(db).schema).toBe(6);
    expect(db.prepare('SELECT context FROM chunks').all()).toEqual([{ context: '' }]);
    expect(db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'dividends'").all()).toEqual([{ rowid: chunkId }]);
    expect(db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'heading:cash'").all()).toEqual([{ rowid: chunkId }]);
    // The document is routed by its registrant, its file name and its fiscal year.
    for (const query of ['name:northwind', 'name:traders', 'period:fy2021', 'period:"10-k"']) {
      expect(db.prepare('SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?').all(query), query).toEqual([{ rowid: documentId }]);
    }
    db.close();
  });
});
