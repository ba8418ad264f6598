import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0012-');

describe('migration 0012_answer_cache_served on a real SQLite file', () => {
  it('adds served_json to cached answers, NULL for rows cached before it, and keeps them', () => {
    const dir = tempDir();
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
