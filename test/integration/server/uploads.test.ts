import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../../src/shared/contract/index';
import type { ServerMessage } from '../../../src/shared/contract/wire';
import { createHandlers } from '../../../src/main/handlers/index';
import { createDispatcher } from '../../../src/main/ipc/dispatcher';
import { createServices, type Services } from '../../../src/main/services';

// Browser-mode uploads through the real dispatcher: damaged base64 or a size that does not match is refused with
// invalid_upload and nothing reaches the uploads folder or the library, not even the good files of the same batch.

let root: string;
let services: Services;
beforeAll(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  root = mkdtempSync(path.join(os.tmpdir(), 'lockstep-uploads-'));
  services = createServices({ dataDir: path.join(root, 'data'), mode: 'test' });
  services.ingest.pause();
});
afterAll(async () => {
  await services.close();
  rmSync(root, { recursive: true, force: true });
});

const upload = (files: unknown[]) =>
  new Promise<ServerMessage>((resolve) => {
    const connection = createDispatcher(contract, createHandlers(services, 'browser'), 'test').connect(resolve);
    connection.receive({ t: 'call', id: 1, method: 'library.addUploads', args: { files } });
  });

const uploadsFolder = () => path.join(services.dataDir, 'uploads');
const storedFiles = (): string[] => (existsSync(uploadsFolder()) ? readdirSync(uploadsFolder(), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);
const documentCount = () => (services.db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n;
const good = { name: 'good.txt', bytesBase64: Buffer.from('A good note.\n').toString('base64'), sizeBytes: 13 };

describe('validated uploads', () => {
  it.each([
    ['characters outside base64', '@@@@'],
    ['a length that is not a multiple of four', 'YWJjZA'],
    ['a line break inside', 'YWJj\nZGVm'],
    ['padding in the middle', 'YW==YWJj'],
    ['the URL-safe alphabet', 'YW_-'],
    ['a data: URL prefix left on', 'data:text/plain;base64,YWJj'],
  ])('refuses %s with invalid_upload and stores nothing', async (_what, bytesBase64) => {
    const reply = await upload([good, { name: 'bad.txt', bytesBase64 }]);
    expect(reply).toMatchObject({ t: 'result', ok: false, error: { code: 'invalid_upload', message: 'bad.txt arrived damaged (its data is not valid base64), so nothing was added. Add it again.' } });
    expect(storedFiles()).toEqual([]);
    expect(documentCount()).toBe(0);
  });

  it('refuses a declared size that does not match the bytes', async () => {
    const reply = await upload([{ ...good, sizeBytes: 14 }]);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_upload', message: 'good.txt arrived incomplete (13 of 14 bytes), so nothing was added. Add it again.' } });
    expect(storedFiles()).toEqual([]);
    expect(documentCount()).toBe(0);
  });

  it('stores nothing for a workspace that does not exist', async () => {
    const reply = await new Promise<ServerMessage>((resolve) => {
      const connection = createDispatcher(contract, createHandlers(services, 'browser'), 'test').connect(resolve);
      connection.receive({ t: 'call', id: 1, method: 'library.addUploads', args: { files: [good], workspaceId: 987_654 } });
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_found', message: 'That workspace no longer exists.' } });
    expect(storedFiles()).toEqual([]);
  });

  it('stores a valid upload privately (0600) and queues it', async () => {
    const reply = await upload([good]);
    expect(reply).toMatchObject({ ok: true, value: { added: [{ queued: true }] } });
    expect(storedFiles()).toEqual(['good.txt']);
    const added = (reply as { value: { added: { path: string }[] } }).value.added[0].path;
    if (process.platform !== 'win32') expect(statSync(added).mode & 0o777).toBe(0o600);
    expect(documentCount()).toBe(1);
  });
});
