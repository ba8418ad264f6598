import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../src/main/services';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { noOrphans, openReadonly, orphanCounts, repoRoot, tempDataDir, type IngestJson } from './helpers';

// Two writers on one library (two CLI processes, or the CLI beside the app): each runs the jobs it queued, none
// touches the other's, both finish cleanly, and nothing is lost.

const work = tempDataDir('lockstep-writers-');
afterAll(() => work.cleanup());

/** A folder of distinct generated PDFs, big enough that parsing them takes a while. */
function folderOfPdfs(name: string, count: number, pages: number): string {
  const folder = path.join(work.dir, name);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(generateTextPdf(pages, 40));
    // A unique trailer comment makes every file's content (and so its document) distinct.
    writeFileSync(path.join(folder, `${name}-${i}.pdf`), Buffer.concat([bytes, Buffer.from(`%${name}-${i}\n`)]));
  }
  return folder;
}

function cliIngest(dataDir: string, folder: string) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/lockstep.mjs'), 'ingest', folder, '--json', '--data-dir', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, LOCKSTEP_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; json: IngestJson | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr, json: code === 0 ? (JSON.parse(stdout) as IngestJson) : null })),
  );
  return { pid: child.pid!, done };
}

/** Which process ran each document's last job. */
function ownersByFolder(dataDir: string) {
  const db = openReadonly(dataDir);
  try {
    const rows = db.prepare(`SELECT d.path AS path, j.owner_pid AS owner, j.state AS state FROM jobs j JOIN documents d ON d.id = j.document_id`).all() as {
      path: string;
      owner: number;
      state: string;
    }[];
    return { rows, orphans: orphanCounts(db), statuses: db.prepare('SELECT status, COUNT(*) AS n FROM documents GROUP BY status').all() };
  } finally {
    db.close();
  }
}

describe('two writers on one library', () => {
  it('two CLI processes each run their own jobs and both finish cleanly', async () => {
    const dataDir = path.join(work.dir, 'data-cli');
    const first = folderOfPdfs('first', 8, 40);
    const second = folderOfPdfs('second', 8, 40);
    const a = cliIngest(dataDir, first);
    const b = cliIngest(dataDir, second);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const run of [ra, rb]) {
      expect(run.stderr).not.toMatch(/TypeError|not open|unexpectedly/);
      expect(run.code, `exit code ${run.code}; stderr: ${run.stderr.slice(-3000)}`).toBe(0);
      expect(run.json!.summary).toMatchObject({ files: 8, indexed: 8, failed: 0 });
    }
    const { rows, orphans, statuses } = ownersByFolder(dataDir);
    expect(statuses).toEqual([{ status: 'indexed', n: 16 }]);
    expect(orphans).toEqual(noOrphans);
    for (const row of rows) expect([path.basename(row.path), row.state, row.owner]).toEqual([path.basename(row.path), 'done', row.path.startsWith(first) ? a.pid : b.pid]);
  }, 300_000);

  it('the CLI beside the app: each side runs its own files, and the app keeps working after the CLI exits', async () => {
    const dataDir = path.join(work.dir, 'data-app');
    const appFolder = folderOfPdfs('app', 8, 40);
    const cliFolder = folderOfPdfs('cli', 4, 40);
    process.env.LOCKSTEP_LOG = 'silent';
    const app = createServices({ dataDir, mode: 'test' });
    try {
      await app.ingest.addPaths([appFolder]);
      const cli = cliIngest(dataDir, cliFolder);
      const run = await cli.done;
      expect(run.stderr).not.toMatch(/TypeError|not open|unexpectedly/);
      expect(run.code, `exit code ${run.code}; stderr: ${run.stderr.slice(-3000)}`).toBe(0);
      expect(run.json!.summary).toMatchObject({ files: 4, indexed: 4 });
      await app.ingest.whenIdle();
      const { rows, orphans, statuses } = ownersByFolder(dataDir);
      expect(statuses).toEqual([{ status: 'indexed', n: 12 }]);
      expect(orphans).toEqual(noOrphans);
      for (const row of rows) expect([path.basename(row.path), row.owner]).toEqual([path.basename(row.path), row.path.startsWith(appFolder) ? process.pid : cli.pid]);
    } finally {
      await app.close();
    }
  }, 300_000);

  it('a CLI killed mid-run: the app adopts the files it left and finishes them', async () => {
    const dataDir = path.join(work.dir, 'data-killed');
    const cliFolder = folderOfPdfs('killed', 6, 60);
    process.env.LOCKSTEP_LOG = 'silent';
    const app = createServices({ dataDir, mode: 'test' });
    try {
      app.ingest.start();
      const cli = cliIngest(dataDir, cliFolder);
      const jobsOf = (pid: number) => (app.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE owner_pid = ? AND state = 'done'").get(pid) as { n: number }).n;
      // Killed once it has finished one file and is working on the rest.
      while (jobsOf(cli.pid) < 1) await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(cli.pid, 'SIGKILL');
      expect((await cli.done).code).not.toBe(0);
      const indexed = () => (app.db.prepare("SELECT COUNT(*) AS n FROM documents WHERE status = 'indexed'").get() as { n: number }).n;
      const deadline = Date.now() + 120_000;
      while (indexed() < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      await app.ingest.whenIdle();
      expect(indexed()).toBe(6);
      expect(jobsOf(process.pid)).toBeGreaterThan(0);
      expect(orphanCounts(app.db as never)).toEqual(noOrphans);
    } finally {
      await app.close();
    }
  }, 300_000);
});
