import type { LockstepHandlers } from '../../shared/contract/index';
import type { Workspace } from '../../shared/contract/workspaces';
import { AppError } from '../../shared/errors';
import type { Services } from '../services';
import { AUTO_DAYS } from '../embed/tiers';

const selectWorkspaces = `
  SELECT w.id, w.name, w.created_at AS createdAt, COUNT(d.id) AS documentCount
  FROM workspaces w LEFT JOIN documents d ON d.workspace_id = w.id`;

export function workspaceHandlers(services: Services): LockstepHandlers['workspaces'] {
  const { db } = services;
  const byId = (id: number) => {
    const row = db.prepare(`${selectWorkspaces} WHERE w.id = ? GROUP BY w.id`).get(id) as Workspace | undefined;
    if (!row) throw new AppError('not_found', 'That workspace no longer exists.');
    return row;
  };
  const ensureUniqueName = (name: string, exceptId = 0) => {
    const clash = db.prepare('SELECT 1 FROM workspaces WHERE name = ? COLLATE NOCASE AND id != ?').get(name, exceptId);
    if (clash) throw new AppError('name_taken', `A workspace named "${name}" already exists.`);
  };
  return {
    list: () => db.prepare(`${selectWorkspaces} GROUP BY w.id ORDER BY w.id`).all() as Workspace[],
    create: ({ name }) => {
      ensureUniqueName(name);
      const { lastInsertRowid } = db.prepare('INSERT INTO workspaces (name, created_at) VALUES (?, ?)').run(name, Date.now());
      return byId(Number(lastInsertRowid));
    },
    rename: ({ id, name }) => {
      byId(id);
      ensureUniqueName(name, id);
      db.prepare('UPDATE workspaces SET name = ? WHERE id = ?').run(name, id);
      return byId(id);
    },
    remove: ({ id }) => {
      if (id === 1) throw new AppError('forbidden', 'The default workspace cannot be removed.');
      // Documents go through the library first: the keyword index and vector tables have no foreign keys to cascade.
      const documentIds = (db.prepare('SELECT id FROM documents WHERE workspace_id = ?').all(id) as { id: number }[]).map((row) => row.id);
      if (documentIds.length) services.ingest.remove(documentIds);
      return { removed: db.prepare('DELETE FROM workspaces WHERE id = ?').run(id).changes > 0 };
    },
    tiers: () => ({ workspaces: services.tiers.list(), autoDays: AUTO_DAYS }),
    setTier: ({ id, pin }) => services.tiers.pin(id, pin),
    cancelTierMove: async ({ id }) => ({ cancelled: await services.tiers.cancel(id) }),
  };
}
