import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0005-');

describe('migration 0005_message_reasoning on a real SQLite file', () => {
  it('adds an empty reasoning column to answers written before it, keeping their text', () => {
    const dir = tempDir();
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
