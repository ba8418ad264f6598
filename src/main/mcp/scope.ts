import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';

// What an MCP session may see: the workspaces the user switched to "Available to other apps", plus those a stdio
// session was started with (`lockstep mcp --workspace NAME`). Everything else is invisible: a workspace or document
// outside the scope is "not found" with the very words a nonexistent one gets, so guessing ids reveals nothing.

export interface VisibleWorkspace {
  id: number;
  name: string;
}

export interface VisibleDocument {
  id: number;
  workspaceId: number;
  title: string;
  type: string;
  status: string;
  pageCount: number | null;
}

export interface McpScope {
  /** Read afresh on every call, so switching a workspace off hides it from sessions already running. */
  workspaces(): VisibleWorkspace[];
  /** A visible workspace by name (case-insensitive) or id; otherwise not_found. */
  workspace(nameOrId: string): VisibleWorkspace;
  /** A visible document; otherwise not_found. */
  document(documentId: number): VisibleDocument;
}

export const workspaceNotFound = (nameOrId: string) =>
  new AppError('not_found', `There is no workspace "${nameOrId}" available to other apps. Call list_documents to see what is shared, or share the workspace in Lockstep under Settings → Connections.`);

export const documentNotFound = (documentId: number) =>
  new AppError('not_found', `There is no document ${documentId} available to other apps. Call list_documents or search_documents for the ids you can use.`);

export function setWorkspaceShared(db: Db, workspaceId: number, shared: boolean): boolean {
  return db.prepare('UPDATE workspaces SET shared_with_apps = ? WHERE id = ?').run(shared ? 1 : 0, workspaceId).changes > 0;
}

export function sharedWorkspaceIds(db: Db): number[] {
  return (db.prepare('SELECT id FROM workspaces WHERE shared_with_apps = 1 ORDER BY id').all() as { id: number }[]).map((row) => row.id);
}

/** Workspaces named on the command line, by name or id; a name that matches none is an error before the server starts. */
export function resolveNamedWorkspaces(db: Db, names: string[]): number[] {
  return names.map((nameOrId) => {
    const row = db.prepare('SELECT id FROM workspaces WHERE id = ? OR name = ? COLLATE NOCASE').get(Number(nameOrId) || -1, nameOrId) as { id: number } | undefined;
    if (!row) throw new AppError('not_found', `There is no workspace "${nameOrId}". Check its name in Lockstep, or start lockstep mcp without --workspace to serve the shared ones.`);
    return row.id;
  });
}

export function createScope(db: Db, namedWorkspaceIds: number[] = []): McpScope {
  const named = JSON.stringify(namedWorkspaceIds);
  const visibleClause = '(w.shared_with_apps = 1 OR w.id IN (SELECT value FROM json_each(?)))';
  const listWorkspaces = db.prepare(`SELECT w.id, w.name FROM workspaces w WHERE ${visibleClause} ORDER BY w.id`);
  const findWorkspace = db.prepare(`SELECT w.id, w.name FROM workspaces w WHERE ${visibleClause} AND (w.id = ? OR w.name = ? COLLATE NOCASE)`);
  const findDocument = db.prepare(
    `SELECT d.id, d.workspace_id AS workspaceId, d.title, d.type, d.status, d.page_count AS pageCount
     FROM documents d JOIN workspaces w ON w.id = d.workspace_id WHERE d.id = ? AND ${visibleClause}`,
  );
  return {
    workspaces: () => listWorkspaces.all(named) as VisibleWorkspace[],
    workspace(nameOrId) {
      const id = /^\d{1,15}$/.test(nameOrId.trim()) ? Number(nameOrId) : -1;
      const row = findWorkspace.get(named, id, nameOrId.trim()) as VisibleWorkspace | undefined;
      if (!row) throw workspaceNotFound(nameOrId);
      return row;
    },
    document(documentId) {
      const row = Number.isSafeInteger(documentId) ? (findDocument.get(documentId, named) as VisibleDocument | undefined) : undefined;
      if (!row) throw documentNotFound(documentId);
      return row;
    },
  };
}
