import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0008-');

describe('migration 0008_mcp_sharing on a real SQLite file', () => {
  it('adds the per-workspace sharing switch, off for existing workspaces, and the MCP call log', () => {
    const dir = tempDir();
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
