import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandPaths } from '../../../src/main/ingest/files';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lockstep-files-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('expandPaths', () => {
  it('follows symlinked files in a folder, skips symlinked folders and reports dangling links as missing', async () => {
    const elsewhere = path.join(root, 'elsewhere');
    const folder = path.join(root, 'library');
    mkdirSync(elsewhere);
    mkdirSync(folder);
    writeFileSync(path.join(elsewhere, 'report.pdf'), 'x');
    writeFileSync(path.join(folder, 'notes.txt'), 'y');
    symlinkSync(path.join(elsewhere, 'report.pdf'), path.join(folder, 'linked.pdf'));
    symlinkSync(elsewhere, path.join(folder, 'linked-folder'));
    symlinkSync(path.join(root, 'gone.pdf'), path.join(folder, 'dangling.pdf'));

    const { files, missing } = await expandPaths([folder]);
    // Before the fix the linked file was dropped without a word: 1 file, 0 missing.
    expect(files).toEqual([path.join(folder, 'linked.pdf'), path.join(folder, 'notes.txt')]);
    expect(missing).toEqual([path.join(folder, 'dangling.pdf')]);
  });

  it('takes a symlinked file given directly', async () => {
    writeFileSync(path.join(root, 'a.txt'), 'a');
    symlinkSync(path.join(root, 'a.txt'), path.join(root, 'b.txt'));
    expect(await expandPaths([path.join(root, 'b.txt')])).toEqual({ files: [path.join(root, 'b.txt')], missing: [] });
  });
});
