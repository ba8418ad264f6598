import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `lockstep folders add | list | rm` through the real CLI, with --json.

const cli = path.resolve(import.meta.dirname, '../../../bin/lockstep.mjs');
let root: string;
let dataDir: string;
beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lockstep-cli-folders-')));
  dataDir = path.join(root, 'data');
  mkdirSync(path.join(root, 'papers'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const result = spawnSync(process.execPath, [cli, 'folders', ...args, '--json', '--data-dir', dataDir], { cwd: root, encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG: 'silent' }, timeout: 60_000 });
  return { status: result.status, json: result.stdout ? JSON.parse(result.stdout) : null, stderr: result.stderr };
};

describe('lockstep folders', () => {
  it('adds a folder (relative to the working directory) by real path, lists it and removes it', () => {
    const added = run('add', 'papers');
    expect(added).toMatchObject({ status: 0, json: { folder: { id: 1, path: path.join(root, 'papers') } } });
    expect(run('list').json).toEqual({ folders: [{ id: 1, path: path.join(root, 'papers'), addedAt: expect.any(Number) }] });
    expect(run('rm', path.join(root, 'papers'))).toMatchObject({ status: 0, json: { removed: { id: 1 } } });
    expect(run('list').json).toEqual({ folders: [] });
  }, 240_000);

  it('says what to do when the folder is not there or not registered', () => {
    expect(run('add', 'nope')).toMatchObject({ status: 1, json: { error: { code: 'not_found', message: 'The folder nope does not exist.' } } });
    expect(run('rm', '7')).toMatchObject({ status: 1, json: { error: { code: 'not_found', message: '"7" is not a library folder. See them with: lockstep folders list' } } });
  }, 120_000);
});
