import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { HandlerContext } from '../../shared/contract/define';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { authorisePath, type AuthorisedPath, type PathGrants } from './authorise';
import { listLibraryFolders } from './library-folders';

/** What a contract caller may read: its window's grants and the registered library folders, never the data folder. */
export function callerGrants(store: { db: Db; dataDir: string }, ctx: Pick<HandlerContext, 'grantedPaths'>): PathGrants {
  return { granted: ctx.grantedPaths ?? new Set(), folders: listLibraryFolders(store.db).map((f) => f.path), dataDir: store.dataDir };
}

/** A folder whose direct entries are copied as a whole (a model folder): each symlink in it must stay inside the grants too. */
export async function authoriseFolderLinks(folder: AuthorisedPath, grants: PathGrants): Promise<void> {
  if (!folder.isDirectory) return;
  for (const entry of await readdir(folder.real, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) await authorisePath(path.join(folder.real, entry.name), grants);
  }
}

/**
 * The local provider also loads a .gguf by path (the CLI's --model): a model a remote caller names must be an installed
 * id, or a file it may read. Returns the model to use (a path becomes its real path).
 */
export async function authoriseModelChoice(model: string | undefined, grants: PathGrants): Promise<string | undefined> {
  if (model === undefined || !(path.isAbsolute(model) || existsSync(model))) return model;
  const file = await authorisePath(model, grants);
  if (!file || file.isDirectory) throw new AppError('model_not_installed', `The chat model ${model} is not installed. Choose an installed model under Models.`);
  return file.real;
}
