import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { initial } from '../../../src/main/store/migrations/0001_initial';
import { messageScope } from '../../../src/main/store/migrations/0002_message_scope';
import { jobOwner } from '../../../src/main/store/migrations/0003_job_owner';
import { libraryFolders } from '../../../src/main/store/migrations/0004_library_folders';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0004-');

describe('migration 0004_library_folders on a real SQLite file', () => {
  it('adds an empty folder table to a library written before it, keeping its documents, and refuses duplicate folders', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: [initial, messageScope, jobOwner] });
    before.prepare("INSERT INTO documents (workspace_id, path, title, type, status, content_hash, size_bytes, created_at, updated_at) VALUES (1, '/a.txt', 'a', 'text', 'indexed', 'h', 1, 0, 0)").run();
    before.close();

    const db = openStore(dir, { migrations: [initial, messageScope, jobOwner, libraryFolders] });
    expect(storeVersions(db).schema).toBe(4);
    expect(db.prepare('SELECT COUNT(*) AS n FROM library_folders').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT path FROM documents').all()).toEqual([{ path: '/a.txt' }]);
    db.prepare('INSERT INTO library_folders (path, added_at) VALUES (?, ?)').run('/home/me/papers', 1);
    expect(() => db.prepare('INSERT INTO library_folders (path, added_at) VALUES (?, ?)').run('/home/me/papers', 2)).toThrow(/UNIQUE/);
    db.close();
  });
});
