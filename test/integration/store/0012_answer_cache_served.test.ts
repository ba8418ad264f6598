import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('migration 0012_answer_cache_served on a real SQLite file', () => {
  it('adds served_json to cached answers, NULL for rows cached before it, and keeps them', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-0012-'));
    dirs.push(dir);
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 12) });
    before
      .prepare(
        `INSERT INTO answer_cache (key, workspace_id, content_version, question, mode, provider, model, content, sources_json, created_at)
         VALUES ('k', 1, 0, 'q', 'documents', 'lpu', 'm', 'a', '[]', 0)`,
      )
      .run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 12) });
    expect(storeVersions(db).schema).toBe(12);
    expect(db.prepare('SELECT content, served_json FROM answer_cache').get()).toEqual({ content: 'a', served_json: null });
    db.prepare(`UPDATE answer_cache SET served_json = '{"channel":"lpu_single"}'`).run();
    expect(db.prepare('SELECT served_json FROM answer_cache').get()).toEqual({ served_json: '{"channel":"lpu_single"}' });
    db.close();
  });
});
