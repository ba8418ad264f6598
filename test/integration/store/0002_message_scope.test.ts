import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { initial } from '../../../src/main/store/migrations/0001_initial';
import { messageScope } from '../../../src/main/store/migrations/0002_message_scope';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0002-');

describe('migration 0002_message_scope on a real SQLite file', () => {
  it('adds a nullable scope to messages written before it, keeping their rows', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: [initial] });
    before.prepare("INSERT INTO threads (id, workspace_id, title, created_at, updated_at) VALUES (1, 1, 't', 0, 0)").run();
    before.prepare("INSERT INTO messages (thread_id, role, content, created_at) VALUES (1, 'user', 'old question', 0)").run();
    before.close();

    const db = openStore(dir, { migrations: [initial, messageScope] });
    expect(storeVersions(db).schema).toBe(2);
    expect(db.prepare('SELECT content, scope_json FROM messages').all()).toEqual([{ content: 'old question', scope_json: null }]);
    db.prepare("UPDATE messages SET scope_json = '{\"kind\":\"question\"}'").run();
    expect(db.prepare('SELECT scope_json FROM messages').get()).toEqual({ scope_json: '{"kind":"question"}' });
    db.close();
  });
});
