import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LockstepClient } from '../../../src/shared/contract/index';
import { createServices, type Services } from '../../../src/main/services';
import { startFaultServer, type FaultServer } from '../providers/groq-fault-server';
import { connectClient } from './contract-client';
import { addDocument, HANDBOOK, tempDataDir } from './library';

// The saved Groq key must appear nowhere but in the encrypted secrets file: not in the database (or its WAL),
// not in logs, not in anything the renderer receives.

const API_KEY = 'gsk_valid_SECRETabcdef0123456789XYZ';
const REJECTED_KEY = 'gsk_rejected_SECRET9876543210zyxw';

let server: FaultServer;
let data: ReturnType<typeof tempDataDir>;
let services: Services;
let client: LockstepClient;
let rendererSaw: string[] = [];
const stderr: string[] = [];

beforeAll(async () => {
  server = await startFaultServer();
  process.env.GROQ_BASE_URL = server.baseURL;
  data = tempDataDir();
  services = createServices({ dataDir: data.dir, mode: 'test' });
  addDocument(services.db, 'Handbook', HANDBOOK);
  ({ client, seen: rendererSaw } = connectClient(services));
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  delete process.env.GROQ_BASE_URL;
  await server.close();
  data.remove();
});

const askAll = (request: Parameters<LockstepClient['chat']['ask']>[0]) => {
  const events: unknown[] = [];
  const handle = client.chat.ask(request, (e) => events.push(e));
  return handle.done.then(
    () => events,
    (error) => ({ error, events }),
  );
};

describe('the Groq API key', () => {
  it('is saved encrypted and never comes back to the renderer, the logs or the database', async () => {
    expect(await client.providers.status({})).toMatchObject({ groq: { hasKey: false } });
    expect(await client.providers.setGroqKey({ apiKey: API_KEY })).toEqual({ hasKey: true });
    expect(await client.providers.status({})).toMatchObject({ groq: { hasKey: true, model: 'llama-3.1-8b-instant' } });
    expect(await client.providers.testGroqKey({})).toEqual({ ok: true, message: 'The key works: 2 models available.' });
    expect((await client.providers.groqModels({})).map((m) => m.id)).toContain('llama-3.1-8b-instant');

    const events = await askAll({ question: 'How many days of annual leave?', provider: 'groq' });
    expect(Array.isArray(events)).toBe(true);
    const threads = await client.threads.list({});
    const detail = await client.threads.get({ id: threads[0].id });
    expect(detail.messages[1]).toMatchObject({ provider: 'groq', content: 'Leave is 25 days [1].', meters: { provider: 'groq', promptTokens: 42 } });
    await client.threads.exportMarkdown({ id: threads[0].id });
    await client.settings.get({});

    // A rejected key fails with a user sentence that does not echo the key.
    await client.providers.setGroqKey({ apiKey: REJECTED_KEY });
    const rejected = (await askAll({ question: 'annual leave?', provider: 'groq' })) as { error: { code: string; message: string } };
    expect(rejected.error).toMatchObject({ code: 'groq_key_rejected' });
    expect(await client.providers.testGroqKey({})).toEqual({ ok: false, message: expect.stringContaining('key rejected') });
    await client.threads.get({ id: (await client.threads.list({}))[0].id });
    await client.providers.setGroqKey({ apiKey: API_KEY });

    // The groq-sdk requests really carried the key (so its absence elsewhere means something).
    expect(server.requests.some((r) => r.key === API_KEY)).toBe(true);
    expect(rendererSaw.length).toBeGreaterThan(20);
    for (const secret of [API_KEY, REJECTED_KEY, 'SECRET']) {
      expect(rendererSaw.filter((m) => m.includes(secret))).toEqual([]);
      expect(stderr.filter((line) => line.includes(secret))).toEqual([]);
    }

    // Nothing on disk holds it in the clear; the secrets file and its key file are private to the user.
    services.db.pragma('wal_checkpoint(PASSIVE)');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else files.push(full);
      }
    };
    walk(data.dir);
    expect(files.some((f) => f.endsWith('lockstep.sqlite'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from('SECRET')), file).toBe(false);
    }
    const secretsDir = path.join(data.dir, 'secrets');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(secretsDir, 'secrets.enc')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(secretsDir, 'install.key')).mode & 0o777).toBe(0o600);

    // And it still decrypts for the main process after a restart.
    await services.close();
    services = createServices({ dataDir: data.dir, mode: 'test' });
    expect(services.chat.secrets.get('groq.apiKey')).toBe(API_KEY);
    await services.close();
  });
});
