import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { initial } from '../../../src/main/store/migrations/0001_initial';
import { messageScope } from '../../../src/main/store/migrations/0002_message_scope';
import { jobOwner } from '../../../src/main/store/migrations/0003_job_owner';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0003-');

describe('migration 0003_job_owner on a real SQLite file', () => {
  it('adds a nullable owner to jobs written before it', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: [initial, messageScope] });
    before.prepare("INSERT INTO jobs (kind, payload_json, state, created_at, updated_at) VALUES ('ingest', '{}', 'running', 0, 0)").run();
    before.close();

    const db = openStore(dir, { migrations: [initial, messageScope, jobOwner] });
    expect(storeVersions(db).schema).toBe(3);
    expect(db.prepare('SELECT state, owner_pid AS ownerPid FROM jobs').all()).toEqual([{ state: 'running', ownerPid: null }]);
    db.close();
  });
});
