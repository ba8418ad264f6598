import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import type { EmbeddingStatus } from '../../../src/main/embed/index';
import { search } from '../../../src/main/retrieve/index';
import { installTinyEmbedder } from '../../fixtures/embed/tiny-embedder';
import { addDocument } from './library';
import { log } from '../../../src/main/platform/log';

const topics = ['ribosome translation', 'hip fractures', 'mitochondria energy', 'insulin resistance', 'neuron synapse', 'tumour suppressor'];
const passage = (i: number) => `Passage ${i} reports findings on ${topics[i % topics.length]} in cohort ${i}.`;

describe('changing the embedding model', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-reembed-'));
  let services: Services;
  beforeAll(async () => {
    installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 1);
    installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/bge-small-en-v1.5', 2);
    services = createServices({ dataDir, mode: 'test' });
    for (let doc = 0; doc < 10; doc++) {
      await addDocument(services, { title: `doc${doc}`, passages: Array.from({ length: 60 }, (_, i) => ({ text: passage(doc * 60 + i) })) });
    }
  });
  afterAll(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-embeds in the background while searches keep answering from the old set', async () => {
    expect((await services.embeddings.status()).searchable).toMatchObject({ modelId: 'Xenova/all-MiniLM-L6-v2', chunkCount: 600 });
    const progress: NonNullable<EmbeddingStatus['reembed']>[] = [];
    const unsubscribe = services.embeddings.onStatus((status) => status.reembed && progress.push(status.reembed));

    services.settings.update({ embedderId: 'Xenova/bge-small-en-v1.5' });
    await services.embeddings.active(); // the switch has begun: a new set is building in the background

    const during = await search(services, { query: 'hip fractures cohort', mode: 'hybrid', k: 5 });
    expect(during.mode).toBe('hybrid');
    expect(during.embeddingModel).toBe('Xenova/all-MiniLM-L6-v2');
    expect(during.notice).toMatch(/^Re-indexing with Xenova\/bge-small-en-v1\.5 \(\d+ of 600 passages\)/);

    // A document added mid-way gets vectors from the new model straight away.
    const late = await addDocument(services, { title: 'late', passages: [{ text: 'Zebras, giraffes and okapis share the savanna.' }] });

    let searches = 0;
    let idle = false;
    const finished = services.embeddings.whenIdle().then(() => (idle = true));
    while (!idle) {
      const result = await search(services, { query: `${topics[searches % topics.length]} cohort`, mode: 'hybrid', k: 5 });
      expect(result.hits.length).toBe(5);
      expect(['Xenova/all-MiniLM-L6-v2', 'Xenova/bge-small-en-v1.5']).toContain(result.embeddingModel);
      searches++;
    }
    await finished;
    unsubscribe();
    expect(searches).toBeGreaterThan(0);

    expect(progress.length).toBeGreaterThan(3);
    expect(progress.every((p) => p.modelId === 'Xenova/bge-small-en-v1.5' && [600, 601].includes(p.total) && p.state === 'running')).toBe(true);
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
    expect(progress.at(-1)!.done).toBe(601);

    const status = await services.embeddings.status();
    expect(status).toMatchObject({ searchable: { modelId: 'Xenova/bge-small-en-v1.5', chunkCount: 601 }, reembed: null, notice: null });
    const sets = services.db.prepare('SELECT model_id AS modelId, status FROM embedding_sets ORDER BY id').all();
    expect(sets).toEqual([
      { modelId: 'Xenova/all-MiniLM-L6-v2', status: 'retired' },
      { modelId: 'Xenova/bge-small-en-v1.5', status: 'complete' },
    ]);
    expect(services.db.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'vec_set_1%' OR name = 'embeddings_1'`).all()).toEqual([]);
    const job = services.db.prepare(`SELECT state, progress_json FROM jobs WHERE kind = 'reembed'`).get() as { state: string; progress_json: string };
    expect(job.state).toBe('done');
    expect(JSON.parse(job.progress_json)).toMatchObject({ done: 601, total: 601 });

    const after = await search(services, { query: 'Zebras, giraffes and okapis share the savanna.', mode: 'vector', k: 3 });
    expect(after.embeddingModel).toBe('Xenova/bge-small-en-v1.5');
    expect(after.hits[0].chunkId).toBe(late.chunkIds[0]);
  });
});

describe('a model switch that cannot finish', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-reembed-fail-'));
  const models = path.join(dataDir, 'models');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // The damaged models below are logged for whoever reads the main-process log; the test asserts those lines.
  let errors: MockInstance<typeof log.error>, warnings: MockInstance<typeof log.warn>;
  beforeAll(() => {
    errors = vi.spyOn(log, 'error').mockImplementation(() => {});
    warnings = vi.spyOn(log, 'warn').mockImplementation(() => {});
  });
  afterAll(() => { errors.mockRestore(); warnings.mockRestore(); });

  it('resumes after a restart, and a broken new model never breaks search', async () => {
    installTinyEmbedder(models, 'Xenova/all-MiniLM-L6-v2', 1);
    installTinyEmbedder(models, 'Xenova/bge-small-en-v1.5', 2);
    let services = createServices({ dataDir, mode: 'test' });
    for (let doc = 0; doc < 6; doc++) {
      await addDocument(services, { title: `doc${doc}`, passages: Array.from({ length: 50 }, (_, i) => ({ text: passage(doc * 50 + i) })) });
    }
    // Quit at the first progress event, deterministically mid-way: the building set keeps what was written.
    const midway = new Promise<void>((resolve) =>
      services.embeddings.onStatus((status) => {
        if (status.reembed && status.reembed.done > 0 && status.reembed.done < status.reembed.total) resolve();
      }),
    );
    services.settings.update({ embedderId: 'Xenova/bge-small-en-v1.5' });
    await services.embeddings.active();
    await midway;
    await services.close();

    services = createServices({ dataDir, mode: 'test' });
    const partial = services.db.prepare(`SELECT status FROM embedding_sets WHERE model_id = 'Xenova/bge-small-en-v1.5'`).get();
    expect(partial).toEqual({ status: 'building' });
    const resumed = await search(services, { query: 'hip fractures', k: 3 });
    // The resumed job may finish while this search embeds its query: the answer comes from the old set or the whole new one.
    expect(['Xenova/all-MiniLM-L6-v2', 'Xenova/bge-small-en-v1.5']).toContain(resumed.embeddingModel);
    expect(resumed.hits.length).toBeGreaterThan(0);
    await services.embeddings.whenIdle();
    expect((await services.embeddings.status()).searchable).toMatchObject({ modelId: 'Xenova/bge-small-en-v1.5', chunkCount: 300 });
    const jobs = services.db.prepare(`SELECT state FROM jobs WHERE kind = 'reembed' ORDER BY id`).all() as { state: string }[];
    expect(jobs.map((job) => job.state)).toEqual(['cancelled', 'done']);

    // Switch back to a model whose ONNX file is now damaged: re-indexing fails, search carries on with a notice.
    rmSync(path.join(models, 'Xenova', 'all-MiniLM-L6-v2', 'onnx', 'model_quantized.onnx'));
    installTinyEmbedder(models, 'Xenova/multilingual-e5-small', 3);
    const broken = path.join(models, 'Xenova', 'multilingual-e5-small', 'onnx', 'model_quantized.onnx');
    (await import('node:fs')).writeFileSync(broken, 'not an onnx model');
    services.settings.update({ embedderId: 'Xenova/multilingual-e5-small' });
    await services.embeddings.active();
    await services.embeddings.whenIdle();
    const after = await search(services, { query: 'hip fractures', k: 3 });
    expect(after).toMatchObject({ mode: 'hybrid', embeddingModel: 'Xenova/bge-small-en-v1.5' });
    expect(after.noticeReason).toBe('reindex_failed');
    expect(after.notice).toMatch(/^Re-indexing with Xenova\/multilingual-e5-small stopped: The embedding model in .* could not be loaded\. .* Search keeps using Xenova\/bge-small-en-v1\.5\.$/);
    expect(await services.embeddings.status()).toMatchObject({
      reembed: { state: 'failed', modelId: 'Xenova/multilingual-e5-small' },
      target: { modelId: 'Xenova/bge-small-en-v1.5' }, // new documents keep getting vectors from the working model
    });

    // The model behind the searchable set breaks too: searches fall back to keywords and say why.
    (await import('node:fs')).writeFileSync(path.join(models, 'Xenova', 'bge-small-en-v1.5', 'onnx', 'model_quantized.onnx'), 'damaged');
    await services.close();
    services = createServices({ dataDir, mode: 'test' });
    const keywordOnly = await search(services, { query: 'hip fractures', k: 3 });
    expect(keywordOnly).toMatchObject({ mode: 'bm25', embeddingModel: null });
    expect(keywordOnly.hits).toHaveLength(3);
    expect(keywordOnly.notice).toMatch(/could not be loaded\. Reinstall it from the Models page\. These results use keywords only\.$/);
    expect(keywordOnly.noticeReason).toBe('embedder_failed');
    await services.close();

    // Each failure reached the main-process log with its cause: the damaged file, then what it stopped.
    const logged = (spy: MockInstance<typeof log.error>) => spy.mock.calls.map(([message]) => message);
    expect(logged(errors)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^embedder Xenova\/multilingual-e5-small: The embedding model in .* could not be loaded/),
      're-embedding with Xenova/multilingual-e5-small failed',
      expect.stringMatching(/^embedder Xenova\/bge-small-en-v1\.5: The embedding model in .* could not be loaded/),
    ]));
    expect(errors.mock.calls.find(([message]) => message.startsWith('embedder '))![1]).toMatch(/Protobuf parsing failed/);
    expect(logged(warnings)).toContain('embedding a query with Xenova/bge-small-en-v1.5 failed');
  }, 180_000); // four service starts and three embedder loads; minutes on a loaded 2-core machine
});
