import type { LockstepHandlers } from '../../shared/contract/index';
import type { McpSharedWorkspace } from '../../shared/contract/mcp';
import { AppError } from '../../shared/errors';
import { recentCalls } from '../mcp/call-log';
import { clientConfigs, httpClientConfigs, lockstepLaunch } from '../mcp/client-config';
import { resolveNamedWorkspaces, setWorkspaceShared } from '../mcp/scope';
import { localApiToken } from '../server/local-api';
import type { Services } from '../services';

const selectWorkspaces = `
  SELECT w.id, w.name, w.shared_with_apps AS shared, (SELECT COUNT(*) FROM documents d WHERE d.workspace_id = w.id) AS documentCount
  FROM workspaces w`;

export function mcpHandlers(services: Services): LockstepHandlers['mcp'] {
  const { db } = services;
  const toWorkspace = (row: Omit<McpSharedWorkspace, 'shared'> & { shared: number }): McpSharedWorkspace => ({ ...row, shared: row.shared === 1 });
  const status = () => ({
    httpEnabled: services.settings.get().mcpEnabled,
    httpUrl: services.settings.get().mcpEnabled && services.chat.localApiUrl ? services.chat.localApiUrl.replace(/\/v1$/, '/mcp') : null,
    workspaces: (db.prepare(`${selectWorkspaces} ORDER BY w.id`).all() as Parameters<typeof toWorkspace>[0][]).map(toWorkspace),
  });
  return {
    status,
    setWorkspaceShared: ({ workspaceId, shared }) => {
      if (!setWorkspaceShared(db, workspaceId, shared)) throw new AppError('not_found', 'That workspace no longer exists.');
      return toWorkspace(db.prepare(`${selectWorkspaces} WHERE w.id = ?`).get(workspaceId) as Parameters<typeof toWorkspace>[0]);
    },
    turnOff: () => {
      db.transaction(() => {
        services.settings.update({ mcpEnabled: false });
        db.prepare('UPDATE workspaces SET shared_with_apps = 0').run();
      })();
      return status();
    },
    recentCalls: ({ limit }) => {
      const calls = recentCalls(db, limit);
      const title = db.prepare('SELECT title FROM documents WHERE id = ?');
      // A document removed since the call keeps its id, without a title.
      return calls.map(({ documentIds, ...call }) => ({ ...call, documents: documentIds.map((id) => ({ id, title: (title.get(id) as { title: string } | undefined)?.title ?? null })) }));
    },
    clientConfigs: ({ workspaces }) => {
      resolveNamedWorkspaces(db, workspaces);
      const { httpUrl } = status();
      // /mcp has no --workspace: an HTTP client sees the shared workspaces, whatever the stdio snippets name.
      return [...clientConfigs(lockstepLaunch({ dataDir: services.dataDir, workspaces })), ...(httpUrl ? httpClientConfigs(httpUrl, localApiToken(services)) : [])];
    },
  };
}
