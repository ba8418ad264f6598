import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('migration 0005_message_reasoning on a real SQLite file', () => {
  it('adds an empty reasoning column to answers written before it, keeping their text', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-0005-'));
    dirs.push(dir);
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 5) });
    before.prepare("INSERT INTO threads (id, workspace_id, title, created_at, updated_at) VALUES (1, 1, 't', 0, 0)").run();
    before.prepare("INSERT INTO messages (thread_id, role, content, created_at) VALUES (1, 'assistant', 'old answer [1]', 0)").run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 5) });
    expect(storeVersions(db).schema).toBe(5);
    expect(db.prepare('SELECT content, reasoning FROM messages').all()).toEqual([{ content: 'old answer [1]', reasoning: null }]);
    db.prepare("UPDATE messages SET reasoning = 'thought'").run();
    expect(db.prepare('SELECT reasoning FROM messages').get()).toEqual({ reasoning: 'thought' });
    db.close();
  });
});
