import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { log } from '../platform/log';

// The library holds the text of the user's documents: the data folder is 0700 and what Lockstep keeps in it 0600,
// on a fresh install and on every start of an older one that was created 0755/0644.

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;
/** Folders Lockstep fills itself (uploaded copies, caches, keys); models/ is left alone, it may link to the user's own files. */
const OWN_FOLDERS = ['uploads', 'cache', 'secrets', 'logs'];

/** A --data-dir such as /tmp is shared: chmod 0700 on it would lock other users and programs out of their own files. */
function isOwnFolder(folder: string): boolean {
  const info = statSync(folder);
  const owner = process.getuid?.();
  return (info.mode & 0o1000) === 0 && (owner === undefined || info.uid === owner);
}

function tighten(target: string, mode: number): void {
  try {
    chmodSync(target, mode);
  } catch {
    // A file another process just removed, or a filesystem without modes (FAT, some network shares): nothing to tighten.
  }
}

/** Tightens a folder Lockstep owns, recursively; symlinks are skipped so a user's linked file never changes mode. */
function tightenTree(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      tighten(full, PRIVATE_DIR);
      tightenTree(full);
    } else if (entry.isFile()) tighten(full, PRIVATE_FILE);
  }
}

/**
 * Makes the data folder private before the database opens: the folder 0700, the database created 0600 (SQLite gives
 * its -wal and -shm files the database's mode), older files tightened, and in the main thread a 0077 umask so caches,
 * logs and downloads written later are private too (worker threads share the process umask and may not set it).
 */
export function makeDataDirPrivate(dataDir: string, databaseFile: string): void {
  if (isMainThread) process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  if (isOwnFolder(dataDir)) tighten(dataDir, PRIVATE_DIR);
  else log.warn(`${dataDir} is a shared folder (sticky, or owned by another user), so its mode is left as it is; Lockstep's files in it are still private.`);
  const database = path.join(dataDir, databaseFile);
  if (!existsSync(database)) closeSync(openSync(database, 'a', PRIVATE_FILE));
  for (const file of [database, `${database}-wal`, `${database}-shm`, `${database}-journal`]) if (existsSync(file)) tighten(file, PRIVATE_FILE);
  for (const name of readdirSync(dataDir)) {
    const full = path.join(dataDir, name);
    const info = lstatSync(full, { throwIfNoEntry: false });
    if (info?.isFile() && name.endsWith('.log')) tighten(full, PRIVATE_FILE);
    if (info?.isDirectory() && OWN_FOLDERS.includes(name)) {
      tighten(full, PRIVATE_DIR);
      tightenTree(full);
    }
  }
}
