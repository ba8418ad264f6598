import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import { tempDataDir } from './helpers';

let data: ReturnType<typeof tempDataDir>;
let services: Services;

let utf16Text: string;
let markdown: string;

beforeEach(() => {
  data = tempDataDir('lockstep-owner-');
  services = createServices({ dataDir: path.join(data.dir, 'data'), mode: 'test' });
  // Two small documents the orphaned job can really index, outside the data folder.
  utf16Text = path.join(data.dir, 'notes-utf16.txt');
  writeFileSync(utf16Text, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Notes for the job ownership test.\n', 'utf16le')]));
  markdown = path.join(data.dir, 'readme.md');
  writeFileSync(markdown, '# Readme\n\nA second document, held by another process.\n');
});
afterEach(async () => {
  await services.close();
  data.cleanup();
});

function runningJob(ownerPid: number, file: string): number {
  const now = Date.now();
  const documentId = Number(
    services.db
      .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at)
                VALUES (1, ?, 'doc', 'text', ?, 10, 'processing', ?, ?)`)
      .run(file, `hash-${ownerPid}-${file}`, now, now).lastInsertRowid,
  );
  return Number(
    services.db
      .prepare(`INSERT INTO jobs (kind, workspace_id, document_id, payload_json, state, owner_pid, created_at, updated_at)
                VALUES ('ingest', 1, ?, ?, 'running', ?, ?, ?)`)
      .run(documentId, JSON.stringify({ path: file, contentHash: `hash-${ownerPid}`, sizeBytes: 10, mtimeMs: now }), ownerPid, now, now).lastInsertRowid,
  );
}

const job = (id: number) => services.db.prepare('SELECT state, owner_pid AS ownerPid FROM jobs WHERE id = ?').get(id) as { state: string; ownerPid: number | null };

describe('job ownership across processes sharing one library', () => {
  it("takes over a dead process's running job but leaves a live process's job alone", async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const livePid = process.ppid;
    const orphan = runningJob(deadPid, utf16Text);
    const busy = runningJob(livePid, markdown);

    services.ingest.start();
    expect(job(busy)).toEqual({ state: 'running', ownerPid: livePid });
    expect(job(orphan).ownerPid).not.toBe(deadPid);
    await services.ingest.whenIdle();
    expect(job(orphan).state).toBe('done');
    expect(job(busy)).toEqual({ state: 'running', ownerPid: livePid });
  });

  it('listing the library recovers nothing and starts no work', () => {
    const orphan = runningJob(spawnSync(process.execPath, ['-e', '0']).pid!, utf16Text);
    services.ingest.list();
    expect(job(orphan).state).toBe('running');
  });

  it("waits for its own documents' jobs only, whichever process runs them", async () => {
    const busy = runningJob(process.ppid, markdown);
    const busyDocument = (services.db.prepare('SELECT document_id AS id FROM jobs WHERE id = ?').get(busy) as { id: number }).id;
    await expect(services.ingest.whenSettled([busyDocument + 1000])).resolves.toBeUndefined();
    let settled = false;
    const waiting = services.ingest.whenSettled([busyDocument], 20).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(settled).toBe(false);
    // The other process finishes its job: the wait ends.
    services.db.prepare("UPDATE jobs SET state = 'done' WHERE id = ?").run(busy);
    await waiting;
    expect(settled).toBe(true);
  });
});
