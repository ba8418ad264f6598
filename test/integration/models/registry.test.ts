import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findCatalogEntry } from '../../../src/main/models/catalog';
import { importModel } from '../../../src/main/models/import';
import { discoverInstalled, resolveChatModel, resolveEmbedder } from '../../../src/main/models/registry';
import { ModelService, type ModelSettingsStore } from '../../../src/main/models/service';
import { HubServer } from './hub-server';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';

// Any GGUF the emulator runs will do: a tiny random-weight llama written once per file.
let modelDir: string;
let TINY_GGUF: string;
beforeAll(() => {
  modelDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-registry-model-'));
  TINY_GGUF = writeTinyLlamaFile(modelDir);
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

/** Lays a catalog model out as the hub names its files, with the catalog's exact sizes (sparse, so it costs nothing). */
function layOut(root: string, id: string): string {
  const entry = findCatalogEntry(id)!;
  const dir = path.join(root, ...id.split('/'));
  for (const file of entry.files) {
    mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    const fd = openSync(path.join(dir, file.path), 'w');
    ftruncateSync(fd, file.size ?? 10);
    closeSync(fd);
  }
  return dir;
}

class MemorySettings implements ModelSettingsStore {
  value = { chatModelId: null as string | null, embedderId: 'Xenova/all-MiniLM-L6-v2' };
  get() {
    return this.value;
  }
  update(patch: { chatModelId?: string | null; embedderId?: string }) {
    this.value = { ...this.value, ...patch };
  }
}

describe('model resolution and the active choice', () => {
  let dataDir: string;
  let modelsDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-data-'));
    modelsDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-shared-models-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('finds a catalog embedder laid out in LOCKSTEP_MODELS_DIR and tells transformers.js where to load it from', async () => {
    const env = { LOCKSTEP_MODELS_DIR: modelsDir };
    const dir = layOut(modelsDir, 'Xenova/bge-small-en-v1.5');

    const resolved = await resolveEmbedder(dataDir, 'Xenova/bge-small-en-v1.5', { env });
    expect(resolved).toMatchObject({ dir, localModelPath: modelsDir });
    expect(path.join(resolved.localModelPath, resolved.id)).toBe(resolved.dir);
    expect(resolved.spec).toMatchObject({ dimension: 384, pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ' });

    // Incomplete layouts are not models.
    rmSync(path.join(dir, 'onnx/model_quantized.onnx'));
    await expect(resolveEmbedder(dataDir, 'Xenova/bge-small-en-v1.5', { env })).rejects.toMatchObject({ code: 'model_not_installed' });
  });

  it("prefers the app's models folder over LOCKSTEP_MODELS_DIR", async () => {
    const env = { LOCKSTEP_MODELS_DIR: modelsDir };
    layOut(modelsDir, 'smollm2-360m-instruct-q8_0');
    const shared = await resolveChatModel(dataDir, 'smollm2-360m-instruct-q8_0', { env });
    expect(shared.path).toBe(path.join(modelsDir, 'smollm2-360m-instruct-q8_0', 'smollm2-360m-instruct-q8_0.gguf'));
    expect(shared.manifest.managed).toBe(false);

    await importModel(dataDir, TINY_GGUF, { env, id: 'my-tiny' });
    layOut(path.join(dataDir, 'models'), 'smollm2-360m-instruct-q8_0');
    // Without a manifest the app folder's copy does not count: Lockstep writes one for everything it installs.
    expect((await resolveChatModel(dataDir, 'smollm2-360m-instruct-q8_0', { env })).manifest.managed).toBe(false);
    const ids = (await discoverInstalled(dataDir, env)).map((m) => m.id).sort();
    expect(ids).toEqual(['my-tiny', 'smollm2-360m-instruct-q8_0']);
  });

  it('says what to do when a model is missing, and downloads it from the catalog when allowed', async () => {
    const env = {};
    await expect(resolveEmbedder(dataDir, 'Xenova/multilingual-e5-small', { env })).rejects.toMatchObject({
      code: 'model_not_installed',
      message: 'The embedding model Xenova/multilingual-e5-small is not downloaded yet. Download it under Models, or run: lockstep models pull Xenova/multilingual-e5-small',
    });
    await expect(resolveChatModel(dataDir, 'Xenova/all-MiniLM-L6-v2', { env: { LOCKSTEP_MODELS_DIR: modelsDir } })).rejects.toMatchObject({ code: 'model_not_installed' });
    await expect(resolveEmbedder(dataDir, 'qwen2.5-0.5b-instruct-q8_0', { env })).rejects.toMatchObject({ code: 'model_wrong_kind' });
    await expect(resolveChatModel(dataDir, 'no-such-model', { env })).rejects.toMatchObject({ code: 'model_unknown' });

    const hub = new HubServer();
    await hub.start();
    try {
      // e5-small has no pinned checksums: the hub's own (X-Linked-ETag / git ETag) verify it.
      for (const [file, lfs] of [['config.json', false], ['tokenizer.json', true], ['tokenizer_config.json', false], ['onnx/model_quantized.onnx', true]] as const) {
        hub.host('Xenova/multilingual-e5-small', 'main', file, { content: randomBytes(lfs ? 50_000 : 300), lfs });
      }
      const resolved = await resolveEmbedder(dataDir, 'Xenova/multilingual-e5-small', { env, download: true, hubBase: hub.url, http: { proxyEnv: {} } });
      expect(resolved.localModelPath).toBe(path.join(dataDir, 'models'));
      expect(existsSync(path.join(resolved.dir, 'onnx/model_quantized.onnx'))).toBe(true);
      expect(resolved.spec.queryPrefix).toBe('query: ');
    } finally {
      await hub.stop();
    }
  });

  it('sets and reads the active chat and embedding models through the settings store', async () => {
    const env = { LOCKSTEP_MODELS_DIR: modelsDir };
    const settings = new MemorySettings();
    const service = new ModelService(dataDir, settings, env);
    await service.import(TINY_GGUF);
    layOut(modelsDir, 'Xenova/bge-small-en-v1.5');

    expect(await service.setActive('chat', 'tiny-llama')).toEqual({ chat: 'tiny-llama', embedding: 'Xenova/all-MiniLM-L6-v2' });
    expect(await service.setActive('embedding', 'Xenova/bge-small-en-v1.5')).toEqual({ chat: 'tiny-llama', embedding: 'Xenova/bge-small-en-v1.5' });
    expect(settings.value).toEqual({ chatModelId: 'tiny-llama', embedderId: 'Xenova/bge-small-en-v1.5' });
    const listed = await service.list();
    expect(listed.filter((m) => m.active).map((m) => m.id).sort()).toEqual(['Xenova/bge-small-en-v1.5', 'tiny-llama']);

    await expect(service.setActive('embedding', 'tiny-llama')).rejects.toMatchObject({ code: 'model_wrong_kind' });
    await expect(service.setActive('chat', 'qwen2.5-0.5b-instruct-q8_0')).rejects.toMatchObject({ code: 'model_not_installed' });
    expect(await service.setActive('chat', null)).toEqual({ chat: null, embedding: 'Xenova/bge-small-en-v1.5' });
  });

  it('removes models it installed, clears them as active, and refuses to delete shared ones', async () => {
    const env = { LOCKSTEP_MODELS_DIR: modelsDir };
    const settings = new MemorySettings();
    const service = new ModelService(dataDir, settings, env);
    const imported = await service.import(TINY_GGUF);
    await service.setActive('chat', imported.id);

    expect(await service.remove(imported.id)).toEqual({ id: imported.id, removed: imported.dir });
    expect(existsSync(imported.dir)).toBe(false);
    expect(settings.value.chatModelId).toBeNull();
    await expect(service.remove(imported.id)).rejects.toMatchObject({ code: 'model_not_installed' });

    layOut(modelsDir, 'Xenova/bge-small-en-v1.5');
    await expect(service.remove('Xenova/bge-small-en-v1.5')).rejects.toMatchObject({ code: 'model_not_removable' });
    expect(existsSync(path.join(modelsDir, 'Xenova/bge-small-en-v1.5/onnx/model_quantized.onnx'))).toBe(true);
  });

  it('lists an unfinished download as partial and removes it on request', async () => {
    const service = new ModelService(dataDir, new MemorySettings(), {});
    const staging = path.join(dataDir, 'models', '.downloads', 'qwen2.5-0.5b-instruct-q8_0');
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'qwen2.5-0.5b-instruct-q8_0.gguf.partial'), randomBytes(4096));

    expect((await service.list()).find((m) => m.id === 'qwen2.5-0.5b-instruct-q8_0')).toMatchObject({ installed: false, partialBytes: 4096 });
    await service.remove('qwen2.5-0.5b-instruct-q8_0');
    expect(existsSync(staging)).toBe(false);
  });
});
