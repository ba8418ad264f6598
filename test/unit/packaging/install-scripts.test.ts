import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A clean install: every dependency with an install script is reviewed in package.json's allowScripts (npm 11 warns
// about the rest and will block them), and no project config makes npm print "Unknown project config" on every command.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);
const npmHasAllowScripts = async () => (await run('npm', ['install-scripts', '--help'], { cwd: repoRoot }).then(() => true, () => false));

describe('npm install output', () => {
  it('leaves no install script unreviewed', async (context) => {
    if (!(await npmHasAllowScripts())) context.skip(); // npm before allowScripts runs every script anyway
    const { stdout } = await run('npm', ['install-scripts', 'ls', '--json'], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual({ allowScripts: [] });
  });

  it('prints no warning about project config', async () => {
    const { stderr } = await run('npm', ['pkg', 'get', 'name'], { cwd: repoRoot });
    expect(stderr).not.toMatch(/Unknown project config/);
  });
});
