import type { Migration } from './migration';

// Hot and cold workspaces. `pin` is the user's choice (auto follows use); `tier` is where the workspace's vectors live
// now: hot in the vector set's vec0 table and the in-memory int8 arena, cold only in an int8 vec0 table on disk.
// embedding_sets.vector_version counts writes to a set's vectors, so a process holding an arena knows it is stale.
export const workspaceTiers: Migration = {
  version: 11,
  name: 'workspace_tiers',
  up: `
    CREATE TABLE workspace_tiers (
      workspace_id  INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
      pin           TEXT NOT NULL DEFAULT 'auto' CHECK (pin IN ('auto','hot','cold')),
      tier          TEXT NOT NULL DEFAULT 'hot' CHECK (tier IN ('hot','cold')),
      moved_at      INTEGER
    );
    ALTER TABLE embedding_sets ADD COLUMN vector_version INTEGER NOT NULL DEFAULT 0;
  `,
};
