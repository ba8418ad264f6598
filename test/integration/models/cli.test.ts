import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubServer } from './hub-server';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lockstep(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/proxy/i.test(key))) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/lockstep.mjs', ...args], { cwd: repo, env: { ...clean, LOCKSTEP_LOG: 'silent', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('lockstep models (CLI)', () => {
  let dataDir: string;
  let tinyGguf: string;
  let hub: HubServer;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-cli-models-'));
    // Any GGUF the emulator runs will do: a tiny random-weight llama, outside the data folder.
    tinyGguf = writeTinyLlamaFile(mkdtempSync(path.join(os.tmpdir(), 'lockstep-cli-model-')));
    hub = new HubServer();
    await hub.start();
    for (const [file, lfs] of [['config.json', false], ['tokenizer.json', true], ['tokenizer_config.json', false], ['onnx/model_quantized.onnx', true]] as const) {
      hub.host('Xenova/multilingual-e5-small', 'main', file, { content: randomBytes(lfs ? 200_000 : 500), lfs });
    }
  });

  afterAll(async () => {
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(path.dirname(tinyGguf), { recursive: true, force: true });
  });

  it('imports a GGUF, then lists it as a chat model', async () => {
    const imported = await lockstep(['models', 'import', tinyGguf, '--json', '--data-dir', dataDir], {});
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).model).toMatchObject({ id: 'tiny-llama', kind: 'chat', format: 'gguf', architecture: 'llama' });

    const listed = await lockstep(['models', 'list', '--json', '--data-dir', dataDir], {});
    expect(listed.code).toBe(0);
    const { models } = JSON.parse(listed.stdout) as { models: { id: string; kind: string; installed: boolean; path: string }[] };
    expect(models.find((m) => m.id === 'tiny-llama')).toMatchObject({ kind: 'chat', installed: true, path: path.join(dataDir, 'models/imported/tiny-llama/tiny-llama.gguf') });
  });

  it('pulls a catalog model from the hub named by HF_ENDPOINT, printing one JSON document, and removes it', async () => {
    const pulled = await lockstep(['models', 'pull', 'Xenova/multilingual-e5-small', '--json', '--data-dir', dataDir], { HF_ENDPOINT: hub.url });
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout).model).toMatchObject({ id: 'Xenova/multilingual-e5-small', kind: 'embedding', dir: path.join(dataDir, 'models/Xenova/multilingual-e5-small') });

    const removed = await lockstep(['models', 'rm', 'Xenova/multilingual-e5-small', '--json', '--data-dir', dataDir], {});
    expect(JSON.parse(removed.stdout)).toEqual({ id: 'Xenova/multilingual-e5-small', removed: path.join(dataDir, 'models/Xenova/multilingual-e5-small') });
  });

  it('shows progress on stderr for humans', async () => {
    const pulled = await lockstep(['models', 'pull', 'Xenova/multilingual-e5-small', '--data-dir', dataDir], { HF_ENDPOINT: hub.url });
    expect(pulled.code).toBe(0);
    expect(pulled.stderr).toMatch(/Xenova\/multilingual-e5-small \[1\/4 config\.json\]: downloading/);
    expect(pulled.stderr).toMatch(/: done /);
    expect(pulled.stdout).toBe(`Xenova/multilingual-e5-small is installed in ${path.join(dataDir, 'models/Xenova/multilingual-e5-small')}\n`);
  });

  it('fails with a JSON error for an unknown model', async () => {
    const run = await lockstep(['models', 'pull', 'no-such-model', '--json', '--data-dir', dataDir], {});
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'model_unknown' });
  });
});
