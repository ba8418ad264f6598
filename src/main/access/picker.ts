import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { matchesFilter, type FileFilter, type FolderEntry, type FolderListing } from '../../shared/contract/files';
import { AppError } from '../../shared/errors';
import { authorisePath, isWithin, type AuthorisedPath, type PathGrants } from './authorise';

// Browser mode's file picker: main lists folders under the picker's roots (the user's home by default) and grants what
// the user picks to that connection. The roots are grants like a window's drops, so authorisePath's rules hold for every
// listing and pick: real paths only, no "..", nothing hidden below a root, nothing in the data folder, no link out.

export interface PickerScope {
  roots: readonly string[];
  dataDir: string;
}

/** A listing shows at most this many entries, so a folder of a million files cannot stall the UI. */
const MAX_ENTRIES = 5_000;

/** The roots by real path (a home reached through a symlink is granted as what it is); missing ones are dropped. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => realpath(path.resolve(root)).catch(() => null)));
  return [...new Set(real.filter((root): root is string => root !== null))];
}

const scopeGrants = (scope: PickerScope): PathGrants => ({ granted: new Set(scope.roots), folders: [], dataDir: scope.dataDir });

const notSupported = () =>
  new AppError('not_supported', 'Browsing this computer is offered only to the browser-mode window started by `lockstep serve`; add files with "lockstep ingest PATH" or a library folder instead.');

async function authorisePicked(given: string, scope: PickerScope): Promise<AuthorisedPath> {
  if (!scope.roots.length) throw notSupported();
  const found = await authorisePath(given, scopeGrants(scope));
  if (!found) throw new AppError('not_found', `${given} no longer exists. Go back up a folder and choose again.`);
  return found;
}

/** The root a real path lies in (the deepest, where roots nest), and the folders from it down to the path. */
function crumbsOf(real: string, roots: readonly string[]): FolderListing['crumbs'] {
  const root = roots.filter((r) => isWithin(r, real)).sort((a, b) => b.length - a.length)[0] ?? real;
  const crumbs = [{ name: path.basename(root) || root, path: root }];
  let current = root;
  for (const segment of path.relative(root, real).split(path.sep).filter(Boolean)) {
    current = path.join(current, segment);
    crumbs.push({ name: segment, path: current });
  }
  return crumbs;
}

/** One folder's entries: folders first, then files the filter keeps, each by real path; hidden and escaping entries are left out. */
export async function browseFolder(scope: PickerScope, given: string | undefined, filter: FileFilter): Promise<FolderListing> {
  if (!scope.roots.length) throw notSupported();
  const folder = await authorisePicked(given ?? scope.roots[0], scope);
  if (!folder.isDirectory) throw new AppError('not_a_folder', `${given} is a file; open the folder that holds it.`);
  const names = await readdir(folder.real, { withFileTypes: true }).catch((cause: unknown) => {
    throw new AppError('folder_unreadable', `Lockstep cannot read ${folder.real} (no permission). Choose another folder.`, cause);
  });
  const dataDir = await realpath(scope.dataDir).catch(() => path.resolve(scope.dataDir));
  const entries: FolderEntry[] = [];
  let truncated = false;
  for (const entry of names) {
    if (entry.name.startsWith('.')) continue;
    if (entries.length >= MAX_ENTRIES) {
      truncated = true;
      break;
    }
    const full = path.join(folder.real, entry.name);
    // A link is shown as what it leads to, and only when that is inside the roots too (the same rule as picking it).
    const target = entry.isSymbolicLink() ? await authorisePicked(full, scope).catch(() => null) : null;
    if (entry.isSymbolicLink() && !target) continue;
    const isFolder = target ? target.isDirectory : entry.isDirectory();
    if (!isFolder && !(target || entry.isFile())) continue;
    if (!isFolder && !matchesFilter(entry.name, filter)) continue;
    const real = target?.real ?? full;
    if (isWithin(dataDir, real)) continue;
    const info = await stat(real).catch(() => null);
    entries.push({ name: entry.name, path: real, kind: isFolder ? 'folder' : 'file', sizeBytes: isFolder ? null : (info?.size ?? null), modifiedAt: info ? Math.round(info.mtimeMs) : null });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  return {
    roots: scope.roots.map((root) => ({ name: path.basename(root) || root, path: root })),
    path: folder.real,
    crumbs: crumbsOf(folder.real, scope.roots),
    entries,
    truncated,
  };
}

/** Authorises every picked path before granting any (one refusal refuses the pick); returns their real paths. */
export async function grantPicked(scope: PickerScope, paths: readonly string[], grant: (realPaths: readonly string[]) => void): Promise<string[]> {
  const picked: string[] = [];
  for (const given of paths) picked.push((await authorisePicked(given, scope)).real);
  const unique = [...new Set(picked)];
  grant(unique);
  return unique;
}
