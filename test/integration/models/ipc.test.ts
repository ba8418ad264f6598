import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../../src/shared/contract/wire';
import { models } from '../../../src/shared/contract/models';
import { modelHandlers } from '../../../src/main/handlers/models';
import { createDispatcher } from '../../../src/main/ipc/dispatcher';
import { createServices, type Services } from '../../../src/main/services';
import { HubServer } from './hub-server';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { randomMultimodalGemma3, writeHfFolder } from '../../fixtures/lpu/hf-models';
import { SMOLLM_TOKENIZER_DIR } from '../../fixtures/tokenizers';

// Any GGUF the emulator runs will do: a tiny random-weight llama written once per file.
let modelDir: string;
let TINY_GGUF: string;
beforeAll(() => {
  modelDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-ipc-model-'));
  TINY_GGUF = writeTinyLlamaFile(modelDir);
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

/** The models domain behind the real dispatcher, so every request and event is checked against the contract. */
function connect(services: Services, granted: string[] = [TINY_GGUF]) {
  const messages: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  // The caller was granted the model file, as the desktop app's picker or a drop grants it to its window.
  const grantedPaths = new Set(granted.map((p) => realpathSync(p)));
  const connection = createDispatcher({ models }, { models: modelHandlers(services) }, 'test').connect((message) => {
    messages.push(message);
    waiters.splice(0).forEach((wake) => wake());
  }, { grantedPaths });
  let nextId = 1;
  const settled = (id: number) => messages.find((m) => m.id === id && (m.t === 'result' || m.t === 'end'));
  const until = async (id: number) => {
    while (!settled(id)) await new Promise<void>((resolve) => waiters.push(resolve));
    return settled(id)!;
  };
  return {
    async call(method: string, args: unknown) {
      const id = nextId++;
      connection.receive({ t: 'call', id, method: `models.${method}`, args });
      return until(id);
    },
    stream(method: string, args: unknown) {
      const id = nextId++;
      connection.receive({ t: 'stream', id, method: `models.${method}`, args });
      return { id, events: () => messages.filter((m) => m.id === id && m.t === 'event').map((m) => (m as { event: unknown }).event), done: until(id), cancel: () => connection.receive({ t: 'cancel', id }) };
    },
    close: () => connection.close(),
  };
}

describe('models over IPC', () => {
  let dataDir: string;
  let services: Services;
  let hub: HubServer;
  const savedEndpoint = process.env.HF_ENDPOINT;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-ipc-models-'));
    services = createServices({ dataDir, mode: 'test' });
    hub = new HubServer();
    process.env.HF_ENDPOINT = await hub.start();
    for (const [file, lfs] of [['config.json', false], ['tokenizer.json', true], ['tokenizer_config.json', false], ['onnx/model_quantized.onnx', true]] as const) {
      hub.host('Xenova/multilingual-e5-small', 'main', file, { content: randomBytes(lfs ? 1_500_000 : 400), lfs });
    }
  });

  afterEach(async () => {
    if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = savedEndpoint;
    await hub.stop();
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports, lists and activates a chat model, persisting the choice in settings', async () => {
    const client = connect(services);
    const imported = await client.call('import', { path: realpathSync(TINY_GGUF) });
    expect(imported).toMatchObject({ t: 'result', ok: true, value: { id: 'tiny-llama', kind: 'chat', format: 'gguf', sizeBytes: statSync(TINY_GGUF).size } });

    expect(await client.call('setActive', { kind: 'chat', id: 'tiny-llama' })).toMatchObject({ ok: true, value: { chat: 'tiny-llama' } });
    expect(services.settings.get().chatModelId).toBe('tiny-llama');
    const listed = (await client.call('list', {})) as { value: { models: { id: string; active: boolean }[] } };
    expect(listed.value.models.find((m) => m.id === 'tiny-llama')?.active).toBe(true);

    expect(await client.call('setActive', { kind: 'embedding', id: 'tiny-llama' })).toMatchObject({ ok: false, error: { code: 'model_wrong_kind' } });
    expect(await client.call('import', { path: '' })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    client.close();
  });

  it("returns the loader's notice with an imported multimodal Gemma 3, which the contract carries to the renderer", async () => {
    const folder = path.join(modelDir, 'gemma-3-mm');
    writeHfFolder(folder, randomMultimodalGemma3('model.language_model').folder);
    copyFileSync(path.join(SMOLLM_TOKENIZER_DIR, 'tokenizer.json'), path.join(folder, 'tokenizer.json'));
    const client = connect(services, [folder]);
    const imported = await client.call('import', { path: realpathSync(folder) });
    expect(imported).toMatchObject({
      t: 'result', ok: true,
      value: { id: 'gemma-3-mm', format: 'hf-folder', architecture: 'gemma3', notice: 'Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).' },
    });
    client.close();
  });

  it('streams pull progress, then the installed model', async () => {
    const client = connect(services);
    const pull = client.stream('pull', { id: 'Xenova/multilingual-e5-small' });
    expect(await pull.done).toEqual({ t: 'end', id: pull.id });
    const events = pull.events() as { type: string; phase?: string; bytesDone?: number }[];
    expect(events.at(-1)).toMatchObject({ type: 'installed', model: { id: 'Xenova/multilingual-e5-small', kind: 'embedding', format: 'transformers-js' } });
    expect(events.filter((e) => e.type === 'progress').map((e) => e.phase)).toContain('done');
    expect((await client.call('getActive', {})) as unknown).toMatchObject({ ok: true, value: { chat: null, embedding: 'Xenova/all-MiniLM-L6-v2' } });
    client.close();
  });

  it('cancels a pull, keeping the partial download that the next pull resumes', async () => {
    hub.behaviour.chunkDelayMs = 10;
    const client = connect(services);
    const pull = client.stream('pull', { id: 'Xenova/multilingual-e5-small' });
    while (!(pull.events() as { bytesDone?: number }[]).some((e) => (e.bytesDone ?? 0) > 50_000)) await new Promise((r) => setTimeout(r, 20));
    pull.cancel();
    expect(await pull.done).toMatchObject({ ok: false, error: { code: 'cancelled' } });

    const listed = (await client.call('list', {})) as { value: { models: { id: string; partialBytes: number; installed: boolean }[] } };
    const partial = listed.value.models.find((m) => m.id === 'Xenova/multilingual-e5-small');
    expect(partial?.installed).toBe(false);
    expect(partial?.partialBytes).toBeGreaterThan(0);

    hub.behaviour.chunkDelayMs = 0;
    const resumed = client.stream('pull', { id: 'Xenova/multilingual-e5-small' });
    expect(await resumed.done).toEqual({ t: 'end', id: resumed.id });
    expect(hub.requests.some((r) => r.range !== undefined)).toBe(true);
    client.close();
  });
});
