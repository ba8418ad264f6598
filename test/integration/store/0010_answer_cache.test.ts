import { describe, expect, it } from 'vitest';
import { openStore, storeVersions, type Db } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0010-');

const version = (db: Db, workspaceId: number) => (db.prepare('SELECT content_version AS v FROM workspaces WHERE id = ?').get(workspaceId) as { v: number }).v;
const cachedRows = (db: Db, workspaceId: number) => (db.prepare('SELECT COUNT(*) AS n FROM answer_cache WHERE workspace_id = ?').get(workspaceId) as { n: number }).n;
const cacheRow = (db: Db, key: string, workspaceId: number) =>
  db
    .prepare(
      `INSERT INTO answer_cache (key, workspace_id, content_version, question, mode, provider, model, content, sources_json, created_at)
       VALUES (?, ?, 0, 'q', 'documents', 'lpu', 'm', 'a', '[]', 0)`,
    )
    .run(key, workspaceId);

describe('migration 0010_answer_cache on a real SQLite file', () => {
  it('adds content versions (0 for existing workspaces) and served_json (NULL for existing messages)', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 10) });
    before.prepare("INSERT INTO threads (id, workspace_id, title, created_at, updated_at) VALUES (1, 1, 't', 0, 0)").run();
    before.prepare("INSERT INTO messages (thread_id, role, content, created_at) VALUES (1, 'user', 'hello', 0)").run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 10) });
    expect(storeVersions(db).schema).toBe(10);
    expect(version(db, 1)).toBe(0);
    expect(db.prepare('SELECT served_json FROM messages').get()).toEqual({ served_json: null });
    db.close();
  });

  it('bumps the workspace content version and drops its cached answers on insert, re-index, rename and delete, but not on a size or mtime update', () => {
    const dir = tempDir();
    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 10) });
    db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (2, 'Other', 0)").run();
    cacheRow(db, 'k1', 1);
    cacheRow(db, 'k2', 2);

    db.prepare("INSERT INTO documents (id, workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, 1, '/a.pdf', 'a', 'pdf', 'h', 1, 'queued', 0, 0)").run();
    expect([version(db, 1), version(db, 2)]).toEqual([1, 0]);
    expect([cachedRows(db, 1), cachedRows(db, 2)]).toEqual([0, 1]);

    cacheRow(db, 'k3', 1);
    db.prepare('UPDATE documents SET size_bytes = 2, mtime_ms = 5 WHERE id = 1').run();
    db.prepare("UPDATE documents SET status = 'queued' WHERE id = 1").run(); // same value: nothing changed
    expect(version(db, 1)).toBe(1);
    expect(cachedRows(db, 1)).toBe(1);

    db.prepare("UPDATE documents SET status = 'indexed', chunk_count = 3 WHERE id = 1").run();
    expect(version(db, 1)).toBe(2);
    expect(cachedRows(db, 1)).toBe(0);

    cacheRow(db, 'k4', 1);
    db.prepare("UPDATE documents SET path = '/b.pdf' WHERE id = 1").run();
    expect(version(db, 1)).toBe(3);
    expect(cachedRows(db, 1)).toBe(0);

    db.prepare('DELETE FROM documents WHERE id = 1').run();
    expect(version(db, 1)).toBe(4);
    expect([version(db, 2), cachedRows(db, 2)]).toEqual([0, 1]);

    // A new complete embedding set changes vector results everywhere.
    db.prepare("INSERT INTO embedding_sets (id, model_id, dimension, table_name, status, created_at) VALUES (1, 'e', 4, 'vec_e', 'building', 0)").run();
    db.prepare("UPDATE embedding_sets SET status = 'complete' WHERE id = 1").run();
    expect([version(db, 1), version(db, 2), cachedRows(db, 2)]).toEqual([5, 1, 0]);
    db.close();
  });
});
