import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('migration 0008_mcp_sharing on a real SQLite file', () => {
  it('adds the per-workspace sharing switch, off for existing workspaces, and the MCP call log', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-0008-'));
    dirs.push(dir);
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 8) });
    before.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (2, 'Research', 0)").run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 8) });
    expect(storeVersions(db).schema).toBe(8);
    expect(db.prepare('SELECT id, shared_with_apps AS shared FROM workspaces ORDER BY id').all()).toEqual([
      { id: 1, shared: 0 },
      { id: 2, shared: 0 },
    ]);
    expect(() => db.prepare('UPDATE workspaces SET shared_with_apps = 2 WHERE id = 1').run()).toThrow(/CHECK constraint/);
    db.prepare("INSERT INTO mcp_calls (client, transport, tool, at, ok, document_ids) VALUES ('claude-ai', 'stdio', 'read_page', 5, 1, '[3]')").run();
    expect(db.prepare('SELECT client, tool, document_ids FROM mcp_calls').all()).toEqual([{ client: 'claude-ai', tool: 'read_page', document_ids: '[3]' }]);
    db.close();
  });
});
