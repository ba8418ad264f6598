import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0011-');

describe('migration 0011_workspace_tiers on a real SQLite file', () => {
  it('adds tiers (auto and hot by default, cascading with the workspace) and a vector version per set', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 11) });
    before.prepare(`INSERT INTO embedding_sets (id, model_id, dimension, table_name, status, chunk_count, created_at) VALUES (1, 'm', 384, 'vec_set_1', 'complete', 5, 0)`).run();
    before.prepare(`INSERT INTO workspaces (id, name, created_at) VALUES (2, 'Archive', 0)`).run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 11) });
    expect(storeVersions(db).schema).toBe(11);
    expect(db.prepare('SELECT chunk_count, vector_version FROM embedding_sets').get()).toEqual({ chunk_count: 5, vector_version: 0 });
    db.prepare('INSERT INTO workspace_tiers (workspace_id) VALUES (2)').run();
    expect(db.prepare('SELECT pin, tier, moved_at FROM workspace_tiers').get()).toEqual({ pin: 'auto', tier: 'hot', moved_at: null });
    expect(() => db.prepare(`UPDATE workspace_tiers SET tier = 'warm'`).run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare(`UPDATE workspace_tiers SET pin = 'sometimes'`).run()).toThrow(/CHECK constraint/);
    db.prepare('DELETE FROM workspaces WHERE id = 2').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM workspace_tiers').get()).toEqual({ n: 0 });
    db.close();
  });
});
