import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, MODEL, startFakeOpenAi, type FakeOpenAi } from '../../fixtures/openai/fake-openai';

// `lockstep servers …` and `ask --provider openai` through the real CLI, against a local llama.cpp-dialect server.

const cli = path.resolve(import.meta.dirname, '../../../bin/lockstep.mjs');
const KEY = 'sk-cli-0123456789abcdef';
let fake: FakeOpenAi;
let dataDir: string;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.apiKey = KEY;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-cli-servers-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Asynchronous: the fake server answers from this process while the CLI runs.
const run = (...args: string[]) =>
  new Promise<{ status: number; json: Record<string, unknown> }>((resolve) => {
    execFile(process.execPath, [cli, ...args, '--json', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG: 'silent', SERVER_KEY: KEY, EMPTY_KEY: '' }, timeout: 120_000 }, (error, stdout) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, json: stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {} }),
    );
  });

describe('lockstep servers', () => {
  it('lists models, adds a server with its key from the environment, checks it, answers through it and removes it', async () => {
    expect(await run('servers', 'models', fake.baseURL)).toMatchObject({ status: 1, json: { error: { code: 'openai_key_rejected' } } });
    expect(await run('servers', 'models', fake.baseURL, '--key-env', 'EMPTY_KEY')).toMatchObject({ status: 1, json: { error: { code: 'invalid_argument' } } });
    expect(await run('servers', 'models', fake.baseURL, '--key-env', 'SERVER_KEY')).toEqual({ status: 0, json: { models: [{ id: MODEL, ownedBy: 'llamacpp', contextWindow: 32768 }] } });

    const added = await run('servers', 'add', fake.baseURL, '--model', MODEL, '--name', 'Box', '--key-env', 'SERVER_KEY', '--use');
    expect(added).toMatchObject({ status: 0, json: { server: { name: 'Box', baseURL: fake.baseURL, model: MODEL, contextTokens: 32768, hasKey: true } } });
    const id = (added.json.server as { id: string }).id;
    // The key is in the encrypted secrets file only.
    for (const file of readdirSync(path.join(dataDir, 'secrets'))) expect(readFileSync(path.join(dataDir, 'secrets', file), 'utf8')).not.toContain(KEY);
    expect(await run('servers', 'list')).toMatchObject({ status: 0, json: { activeId: id, servers: [{ id, hasKey: true }] } });
    expect(await run('servers', 'test', id)).toEqual({ status: 0, json: { ok: true, message: `${new URL(fake.baseURL).host} answers and serves ${MODEL} (1 model listed).` } });

    const asked = await run('ask', 'How many days of annual leave?', '--mode', 'chat');
    expect(asked).toMatchObject({ status: 0, json: { provider: 'openai', model: MODEL, answer: ANSWER } });
    expect(fake.chatRequests().at(-1)).toMatchObject({ model: MODEL, stream: true });

    expect(await run('servers', 'rm', id)).toEqual({ status: 0, json: { removed: id } });
    expect(await run('servers', 'rm', id)).toMatchObject({ status: 1, json: { error: { code: 'not_found' } } });
    expect(await run('servers', 'add', 'ftp://host/v1', '--model', MODEL)).toMatchObject({ status: 1, json: { error: { code: 'invalid_argument' } } });
  }, 300_000);
});
