import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { expandPaths } from '../ingest/files';

// Capabilities for paths: a path from a contract caller is read only when it lies in something the user chose —
// a file or folder the main process granted to that caller's window, or a registered library folder — both
// before and after its symlinks are resolved, and never inside Lockstep's own data folder.

export interface PathGrants {
  /** Real paths (files or folders) granted to this caller: its window's dialogs and drops. Empty over WebSocket. */
  granted: ReadonlySet<string>;
  /** Registered library folders, by the real path stored at registration (a folder later swapped for a symlink grants nothing new). */
  folders: readonly string[];
  /** Lockstep's data folder: never readable through the contract, whatever was granted. */
  dataDir: string;
}

export interface AuthorisedPath {
  /** The path with every symlink resolved; what Lockstep reads. */
  real: string;
  isDirectory: boolean;
}

/** True when `inner` is `outer` or lies below it (both absolute and normalised). */
export function isWithin(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const shown = (given: string) => JSON.stringify(given.length > 200 ? `${given.slice(0, 200)}…` : given);

export const pathNotAllowed = (given: string, why: string) => new AppError('path_not_allowed', `Lockstep may not read ${shown(given)}: ${why}`);

const OUTSIDE =
  'it was not chosen or dropped in this window and is not in a library folder. Drop the file, choose it with "Add files", or register its folder (lockstep folders add DIR, or Add folder in the desktop app).';

const rootIndex = new WeakMap<PathGrants, ReadonlySet<string>>();

/** Granted paths and library folders as one set, built once per request however many paths it names. */
function rootsOf(grants: PathGrants): ReadonlySet<string> {
  let roots = rootIndex.get(grants);
  if (!roots) rootIndex.set(grants, (roots = new Set([...grants.granted, ...grants.folders])));
  return roots;
}

/** Whether `candidate` is a grant or lies below one; below a folder, hidden entries (".ssh", ".env") are not part of it. */
function isGranted(candidate: string, roots: ReadonlySet<string>): boolean {
  if (roots.has(candidate)) return true;
  let hidden = false;
  // Up through the parents: the cost is the path's depth, not the number of grants (a drop can grant thousands of files).
  for (let child = candidate, parent = path.dirname(child); parent !== child; child = parent, parent = path.dirname(parent)) {
    if (path.basename(child).startsWith('.')) hidden = true;
    if (roots.has(parent)) return !hidden;
  }
  return false;
}

/**
 * Authorises one caller-supplied path. Returns null when it is inside a grant but does not exist (reported as
 * missing); throws path_not_allowed for relative paths, "..", NUL, anything whose real path (symlinks resolved) is
 * outside the grants, and anything in the data folder.
 */
export async function authorisePath(given: string, grants: PathGrants): Promise<AuthorisedPath | null> {
  if (given.includes('\0')) throw pathNotAllowed(given, 'the path contains a NUL character.');
  if (!path.isAbsolute(given)) throw pathNotAllowed(given, 'paths must be absolute; relative paths would depend on where Lockstep was started.');
  if (given.split(/[\\/]/).includes('..')) throw pathNotAllowed(given, 'paths may not contain "..".');
  const lexical = path.resolve(given);
  const roots = rootsOf(grants);
  const named = isGranted(lexical, roots);
  const real = await realpath(lexical).catch(() => null);
  // Outside the grants as written, a path is allowed only when it resolves into one (a symlinked parent such as macOS's
  // /tmp); missing or not, it gets the same answer, so a caller learns nothing about which files exist there.
  if (!named && (real === null || !isGranted(real, roots))) throw pathNotAllowed(given, OUTSIDE);
  if (real === null) return null;
  if (!isGranted(real, roots)) throw pathNotAllowed(given, 'it is a link that leads outside the files and folders you chose.');
  const dataDir = await realpath(grants.dataDir).catch(() => path.resolve(grants.dataDir));
  if (isWithin(dataDir, real)) throw pathNotAllowed(given, "it is inside Lockstep's own data folder.");
  return { real, isDirectory: (await stat(real)).isDirectory() };
}

/** Authorises every path before any is used: one refusal refuses the whole request, so nothing is half-added. */
export async function authorisePaths(paths: string[], grants: PathGrants): Promise<{ allowed: AuthorisedPath[]; missing: string[] }> {
  const allowed: AuthorisedPath[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    const result = await authorisePath(given, grants);
    if (result) allowed.push(result);
    else missing.push(path.resolve(given));
  }
  return { allowed, missing };
}

/**
 * The files behind authorised paths, as real paths, walked like any ingest (hidden entries and symlinked folders
 * skipped) but with every symlinked file authorised too: a link out of a granted folder is left out.
 */
export function authorisedFiles(allowed: AuthorisedPath[], grants: PathGrants): Promise<{ files: string[]; missing: string[] }> {
  return expandPaths(
    allowed.map((p) => p.real),
    async (link) => {
      const target = await authorisePath(link, grants).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'path_not_allowed') return undefined;
        throw error;
      });
      return target && !target.isDirectory ? target.real : target === null ? null : undefined;
    },
  );
}
