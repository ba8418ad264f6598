import { describe, expect, it } from 'vitest';
import { migrate, openStore, storeVersions, type Db } from '../../../src/main/store/db';
import { initial } from '../../../src/main/store/migrations/0001_initial';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-store-');

const now = Date.now();
function insertDocument(db: Db, hash = 'h1') {
  return Number(
    db
      .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at)
                VALUES (1, '/docs/a.pdf', 'A', 'pdf', ?, 10, 'indexed', ?, ?)`)
      .run(hash, now, now).lastInsertRowid,
  );
}

describe('migration 0001_initial on a real SQLite file', () => {
  it('creates the schema, WAL, foreign keys and the default workspace', () => {
    const db = openStore(tempDir(), { migrations: [initial] });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(storeVersions(db).schema).toBe(1);
    expect(storeVersions(db).sqliteVec).toMatch(/^v\d+\.\d+/);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    for (const t of ['workspaces', 'documents', 'pages', 'chunks', 'chunks_fts', 'embedding_sets', 'threads', 'messages', 'message_sources', 'settings', 'jobs']) {
      expect(tables).toContain(t);
    }
    expect(db.prepare('SELECT name FROM workspaces').all()).toEqual([{ name: 'Default' }]);
    db.close();
  });

  it('cascades document deletion to pages and chunks, and the FTS index supports deletes', () => {
    const db = openStore(tempDir(), { migrations: [initial] });
    const doc = insertDocument(db);
    db.prepare("INSERT INTO pages (document_id, page_number, label, text) VALUES (?, 1, 'i', 'Trace trees are hot loops')").run(doc);
    const chunk = Number(
      db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end)
                  VALUES (?, 0, 'Trace trees are hot loops', 5, 1, 1, 0, 25)`).run(doc).lastInsertRowid,
    );
    db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)').run(chunk, 'Trace trees are hot loops', '');
    // porter stemming: "loop" finds "loops"
    expect(db.prepare("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'loop'").all()).toEqual([{ rowid: chunk }]);
    db.prepare('DELETE FROM chunks_fts WHERE rowid = ?').run(chunk);
    db.prepare('DELETE FROM documents WHERE id = ?').run(doc);
    expect(db.prepare('SELECT COUNT(*) AS n FROM pages').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM chunks').get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'loop'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('rejects the same content twice in a workspace and unknown statuses', () => {
    const db = openStore(tempDir(), { migrations: [initial] });
    insertDocument(db, 'same');
    expect(() => insertDocument(db, 'same')).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE documents SET status = 'weird'").run()).toThrow(/CHECK/);
    db.close();
  });

  it('hosts sqlite-vec tables next to the schema', () => {
    const db = openStore(tempDir(), { migrations: [initial] });
    db.exec('CREATE VIRTUAL TABLE vec_test USING vec0(embedding float[4] distance_metric=cosine)');
    db.prepare('INSERT INTO vec_test (rowid, embedding) VALUES (?, ?)').run(BigInt(1), new Float32Array([1, 0, 0, 0]));
    const hit = db.prepare('SELECT rowid, distance FROM vec_test WHERE embedding MATCH ? AND k = 1').get(new Float32Array([1, 0, 0, 0])) as { rowid: number; distance: number };
    expect(hit.rowid).toBe(1);
    expect(hit.distance).toBeCloseTo(0, 6);
    db.close();
  });

  it('uses the indexes for the hot lookups', () => {
    const db = openStore(tempDir(), { migrations: [initial] });
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT id FROM documents WHERE workspace_id = 1 AND path = '/x'")).toMatch(/USING (COVERING )?INDEX documents_by_path/);
    expect(plan("SELECT id FROM jobs WHERE state = 'queued' ORDER BY id")).toMatch(/USING (COVERING )?INDEX jobs_by_state/);
    expect(plan('SELECT id FROM messages WHERE thread_id = 1 ORDER BY id')).toMatch(/USING (COVERING )?INDEX messages_by_thread/);
    db.close();
  });

  it('is idempotent and refuses a database from a newer schema', () => {
    const dir = tempDir();
    openStore(dir).close();
    const db = openStore(dir);
    expect(storeVersions(db).schema).toBe(migrations.at(-1)!.version);
    db.pragma('user_version = 999');
    expect(() => migrate(db, migrations)).toThrow(/newer Lockstep/);
    db.close();
  });
});
