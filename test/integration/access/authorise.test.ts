import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorisePath, authorisePaths, type PathGrants } from '../../../src/main/access/authorise';
import { addLibraryFolder, listLibraryFolders, removeLibraryFolder } from '../../../src/main/access/library-folders';
import { openStore, type Db } from '../../../src/main/store/db';

// authorisePath on a real filesystem: what a grant covers before and after symlinks are resolved.

let root: string;
let db: Db;
let dataDir: string;
const file = (relative: string, text = 'x') => {
  const full = path.join(root, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
};
const grants = (extra: Partial<PathGrants> = {}): PathGrants => ({ granted: new Set(), folders: listLibraryFolders(db).map((f) => f.path), dataDir, ...extra });
const refusal = (promise: Promise<unknown>) => promise.then(() => 'allowed', (error: { code: string; message: string }) => `${error.code}: ${error.message}`);

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lockstep-authorise-')));
  dataDir = path.join(root, 'home', '.config', 'lockstep');
  db = openStore(dataDir);
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

describe('authorisePath', () => {
  it('allows files under a library folder by their real path, also when named through a symlinked parent', async () => {
    const note = file('home/docs/notes.txt');
    await addLibraryFolder(db, dataDir, path.join(root, 'home', 'docs'));
    symlinkSync(path.join(root, 'home'), path.join(root, 'home-link'));
    expect(await authorisePath(note, grants())).toEqual({ real: note, isDirectory: false });
    expect(await authorisePath(path.join(root, 'home-link', 'docs', 'notes.txt'), grants())).toEqual({ real: note, isDirectory: false });
  });

  it('answers alike for missing and existing files outside the grants, and reports missing files inside as missing', async () => {
    file('secret/a.txt');
    mkdirSync(path.join(root, 'docs'));
    await addLibraryFolder(db, dataDir, path.join(root, 'docs'));
    const existing = await refusal(authorisePath(path.join(root, 'secret', 'a.txt'), grants()));
    const missing = await refusal(authorisePath(path.join(root, 'secret', 'b.txt'), grants()));
    expect(existing.replace('a.txt', '?')).toBe(missing.replace('b.txt', '?'));
    expect(existing).toMatch(/^path_not_allowed: Lockstep may not read ".*a\.txt": it was not chosen or dropped in this window and is not in a library folder\./);
    expect(await authorisePath(path.join(root, 'docs', 'later.txt'), grants())).toBeNull();
  });

  it('leaves hidden entries out of a folder grant, but not a hidden file granted by itself', async () => {
    const hidden = file('docs/.env', 'KEY=1');
    const nested = file('docs/.git/config');
    await addLibraryFolder(db, dataDir, path.join(root, 'docs'));
    expect(await refusal(authorisePath(hidden, grants()))).toMatch(/^path_not_allowed/);
    expect(await refusal(authorisePath(nested, grants()))).toMatch(/^path_not_allowed/);
    expect(await authorisePath(hidden, grants({ granted: new Set([hidden]) }))).toEqual({ real: hidden, isDirectory: false });
  });

  it('refuses the data folder even inside a registered home folder, and refuses registering a folder inside it', async () => {
    await addLibraryFolder(db, dataDir, path.join(root, 'home'));
    expect(await refusal(authorisePath(path.join(dataDir, 'lockstep.sqlite'), grants({ granted: new Set([path.join(dataDir, 'lockstep.sqlite')]) })))).toMatch(
      /^path_not_allowed: .*inside Lockstep's own data folder\.$/,
    );
    await expect(addLibraryFolder(db, dataDir, path.join(dataDir))).rejects.toMatchObject({ code: 'path_not_allowed' });
  });

  it('does not follow a registered folder that was later replaced by a symlink elsewhere', async () => {
    file('docs/a.txt');
    const outside = file('outside/a.txt');
    await addLibraryFolder(db, dataDir, path.join(root, 'docs'));
    renameSync(path.join(root, 'docs'), path.join(root, 'docs-old'));
    symlinkSync(path.join(root, 'outside'), path.join(root, 'docs'));
    expect(await refusal(authorisePath(path.join(root, 'docs', 'a.txt'), grants()))).toMatch(/^path_not_allowed: .*a link that leads outside/);
    expect(await refusal(authorisePath(outside, grants()))).toMatch(/^path_not_allowed/);
  });

  it('registers folders once by real path and unregisters them by id or path', async () => {
    mkdirSync(path.join(root, 'docs'));
    symlinkSync(path.join(root, 'docs'), path.join(root, 'docs-link'));
    const first = await addLibraryFolder(db, dataDir, path.join(root, 'docs-link'));
    const again = await addLibraryFolder(db, dataDir, path.join(root, 'docs'));
    expect(first).toEqual(again);
    expect(first.path).toBe(path.join(root, 'docs'));
    await expect(addLibraryFolder(db, dataDir, file('docs/a.txt'))).rejects.toMatchObject({ code: 'not_a_folder' });
    await expect(addLibraryFolder(db, dataDir, path.join(root, 'nope'))).rejects.toMatchObject({ code: 'not_found' });
    expect(await removeLibraryFolder(db, path.join(root, 'docs-link'))).toEqual(first);
    expect(await removeLibraryFolder(db, first.id)).toBeNull();
    expect(listLibraryFolders(db)).toEqual([]);
  });
});

describe('authorisePaths at the size of a big drop', () => {
  it('checks 5,000 granted files against a 5,000-entry grant set in seconds, not minutes', async () => {
    const folder = path.join(root, 'drop');
    mkdirSync(folder);
    const files = Array.from({ length: 5_000 }, (_, i) => path.join(folder, `f${i}.txt`));
    for (const f of files) writeFileSync(f, '');
    const started = performance.now();
    const { allowed } = await authorisePaths(files, grants({ granted: new Set(files) }));
    expect(allowed).toHaveLength(5_000);
    // About 0.3 s here; a scan of every grant for every path (25 million checks and stats) takes minutes.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
