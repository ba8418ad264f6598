import type { Migration } from './migration';

// MCP: each workspace's "Available to other apps" switch (off, so nothing is shared until the user says so) and a
// short log of recent calls from MCP clients (client name, tool, time, documents touched), trimmed as it is written.
export const mcpSharing: Migration = {
  version: 8,
  name: 'mcp_sharing',
  up: `
    ALTER TABLE workspaces ADD COLUMN shared_with_apps INTEGER NOT NULL DEFAULT 0 CHECK (shared_with_apps IN (0, 1));

    CREATE TABLE mcp_calls (
      id            INTEGER PRIMARY KEY,
      client        TEXT NOT NULL,
      transport     TEXT NOT NULL CHECK (transport IN ('stdio', 'http')),
      tool          TEXT NOT NULL,
      at            INTEGER NOT NULL,
      ok            INTEGER NOT NULL CHECK (ok IN (0, 1)),
      document_ids  TEXT NOT NULL DEFAULT '[]'
    );
  `,
};
