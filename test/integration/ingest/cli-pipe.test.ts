import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runIngest, tempDataDir } from './helpers';

// Regression tests for two CLI defects: `--json` output sent to a pipe was cut at 131,072 bytes (the process exited
// before stdout drained), and folder ingest skipped symlinked files silently.

const data = tempDataDir('lockstep-cli-pipe-');
afterAll(() => data.cleanup());
const dataDir = path.join(data.dir, 'data');

/** Runs the real CLI with stdout on a pipe that is not read for a while, so the pipe fills before the command ends. */
function runPiped(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/lockstep.mjs'), ...args, '--json', '--data-dir', dataDir], {
      cwd: repoRoot,
      env: { ...process.env, LOCKSTEP_LOG: 'silent' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const parts: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1500);
    child.stdout.on('data', (part: Buffer) => parts.push(part));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(parts).toString('utf8') }));
  });
}

describe('lockstep CLI output and folder ingest', () => {
  it('ingests a symlinked file in a folder and prints --json results far larger than a pipe buffer whole', async () => {
    const elsewhere = path.join(data.dir, 'elsewhere');
    const folder = path.join(data.dir, 'folder');
    mkdirSync(elsewhere);
    mkdirSync(folder);
    const paragraph = (i: number) =>
      `Ledger entry ${i} records the quarterly reconciliation of accounts payable, accrued liabilities and deferred revenue ` +
      `for the northern distribution segment, with notes on timing differences, currency translation and the auditors' review. `.repeat(4);
    writeFileSync(path.join(elsewhere, 'ledger.txt'), Array.from({ length: 400 }, (_, i) => paragraph(i)).join('\n\n'));
    symlinkSync(path.join(elsewhere, 'ledger.txt'), path.join(folder, 'ledger.txt'));

    const ingested = runIngest(dataDir, [folder]);
    expect(ingested.summary).toMatchObject({ files: 1, indexed: 1, missing: 0 });

    const { code, stdout } = await runPiped(['search', 'ledger', 'reconciliation', '--k', '200', '--mode', 'bm25']);
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThan(200_000);
    const result = JSON.parse(stdout) as { hits: unknown[] };
    expect(result.hits).toHaveLength(200);
  }, 120_000);
});
