import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// `npm start` as a user runs it: stopping npm (a process manager's SIGTERM, or Ctrl+C to the terminal's process group)
// must stop the build, the start script and the server it launched.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const onLinux = process.platform === 'linux';

/** PIDs of live processes whose environment carries this marker (Linux /proc). */
function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return pids;
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const started: { child: ChildProcess; dataDir: string; marker: string }[] = [];

afterEach(() => {
  for (const { child, dataDir, marker } of started.splice(0)) {
    for (const pid of processesWithMarker(marker)) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function startApp(): Promise<{ npm: ChildProcess; url: string; marker: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-npm-start-'));
  const marker = `LOCKSTEP_TEST_MARKER=${path.basename(dataDir)}`;
  const npm = spawn('npm', ['start', '--', '--port', '0'], {
    cwd: repoRoot,
    detached: true, // its own process group, as a terminal's foreground job has
    // ELECTRON_OVERRIDE_DIST_PATH points at no binary, so machines that have Electron test browser mode too.
    env: { ...process.env, LOCKSTEP_DATA_DIR: dataDir, LOCKSTEP_TEST_MARKER: path.basename(dataDir), ELECTRON_OVERRIDE_DIST_PATH: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push({ child: npm, dataDir, marker });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await waitFor(() => /running in browser mode at (http:\/\/\S+)/.exec(output)?.[1], 90_000, `the server's URL in:\n${output}`);
  expect((await fetch(url)).status).toBe(200);
  return { npm, url, marker };
}

async function expectAllGone(npm: ChildProcess, url: string, marker: string): Promise<void> {
  if (npm.exitCode === null && npm.signalCode === null) await new Promise((resolve) => npm.once('exit', resolve));
  await waitFor(() => (processesWithMarker(marker).length === 0 ? true : undefined), 10_000, 'every started process to exit');
  await expect(fetch(url)).rejects.toThrow();
}

describe.skipIf(!onLinux)('npm start', () => {
  it('stops the start script and the server when npm gets SIGTERM', async () => {
    const { npm, url, marker } = await startApp();
    expect(processesWithMarker(marker).length).toBeGreaterThanOrEqual(3); // npm, the script shell or script, the server
    npm.kill('SIGTERM');
    await expectAllGone(npm, url, marker);
  }, 150_000);

  it('stops everything on Ctrl+C (SIGINT to the process group)', async () => {
    const { npm, url, marker } = await startApp();
    process.kill(-npm.pid!, 'SIGINT');
    await expectAllGone(npm, url, marker);
  }, 150_000);
});
