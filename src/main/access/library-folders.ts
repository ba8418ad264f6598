import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { isWithin } from './authorise';

// Library folders: folders the user registered (CLI `lockstep folders add`, the desktop folder picker).
// Any caller of the contract may add the files under them; nothing else is readable without a grant.

export interface LibraryFolder {
  id: number;
  path: string;
  addedAt: number;
}

export function listLibraryFolders(db: Db): LibraryFolder[] {
  return db.prepare('SELECT id, path, added_at AS addedAt FROM library_folders ORDER BY path').all() as LibraryFolder[];
}

/** Registers a folder by its real path (symlinks resolved), refusing files and the data folder (a folder holding it is fine: its contents stay refused). */
export async function addLibraryFolder(db: Db, dataDir: string, folder: string): Promise<LibraryFolder> {
  const real = await realpath(path.resolve(folder)).catch((cause: unknown) => {
    throw new AppError('not_found', `The folder ${folder} does not exist.`, cause);
  });
  if (!(await stat(real)).isDirectory()) throw new AppError('not_a_folder', `${folder} is a file: register the folder that holds it.`);
  const data = await realpath(dataDir).catch(() => path.resolve(dataDir));
  if (isWithin(data, real)) {
    throw new AppError('path_not_allowed', `${folder} is inside Lockstep's own data folder (${dataDir}), whose database and keys must not be re-indexed. Register a folder of documents instead.`);
  }
  db.prepare('INSERT INTO library_folders (path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING').run(real, Date.now());
  return db.prepare('SELECT id, path, added_at AS addedAt FROM library_folders WHERE path = ?').get(real) as LibraryFolder;
}

/** Unregisters a folder by id or path; its documents stay in the library, but its other files are no longer allowed. */
export async function removeLibraryFolder(db: Db, idOrPath: number | string): Promise<LibraryFolder | null> {
  const folders = listLibraryFolders(db);
  const wanted = typeof idOrPath === 'number' ? null : await realpath(path.resolve(idOrPath)).catch(() => path.resolve(idOrPath));
  const folder = folders.find((f) => (typeof idOrPath === 'number' ? f.id === idOrPath : f.path === wanted || f.path === path.resolve(String(idOrPath))));
  if (!folder) return null;
  db.prepare('DELETE FROM library_folders WHERE id = ?').run(folder.id);
  return folder;
}
