import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Embedder } from '../../../src/main/embed/embedder';
import { locateEmbedder } from '../../../src/main/embed/models';
import { log } from '../../../src/main/platform/log';
import { installTinyEmbedder, referenceEmbedding, TOKENIZER_DIR, type TinyEmbedderWeights } from '../../fixtures/embed/tiny-embedder';

// The real transformers.js path: tokenizer + ONNX session in a worker thread, on a generated random-weight model.
describe('Embedder (transformers.js in a worker)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-embedder-'));
  let weights: TinyEmbedderWeights;
  let embedder: Embedder;

  beforeAll(async () => {
    weights = installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 7).weights;
    const model = await locateEmbedder(dataDir, 'Xenova/all-MiniLM-L6-v2');
    expect(model).not.toBeNull();
    embedder = new Embedder(model!);
  });
  afterAll(async () => {
    await embedder.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('matches a plain TypeScript forward pass of the same weights', async () => {
    const texts = ['Vitamin D deficiency raises fracture risk.', 'short', 'A third, somewhat longer sentence about ribosomes and translation.'];
    const vectors = await embedder.embedPassages(texts);
    const tokenizer = await AutoTokenizer.from_pretrained(TOKENIZER_DIR);
    expect(vectors).toHaveLength(3);
    for (const [i, text] of texts.entries()) {
      const ids = (tokenizer.encode(text) as number[]).map(Number);
      const expected = referenceEmbedding(weights, ids);
      expect(vectors[i]).toHaveLength(384);
      for (let d = 0; d < 384; d++) expect(vectors[i][d]).toBeCloseTo(expected[d], 4);
    }
  });

  it('batches more texts than one worker round trip and keeps their order', async () => {
    const texts = Array.from({ length: 37 }, (_, i) => `passage number ${i} about topic ${i % 5}`);
    const [all, single] = await Promise.all([embedder.embedPassages(texts), embedder.embedPassages([texts[30]])]);
    expect(all).toHaveLength(37);
    // Padding to the batch's longest text must not change a text's vector (beyond float summation order).
    all[30].forEach((value, d) => expect(value).toBeCloseTo(single[0][d], 5));
    expect(Array.from(all[29])).not.toEqual(Array.from(all[30]));
  });

  it('stops between batches when the caller aborts', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(embedder.embedPassages(['a', 'b'], abort.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports a model folder it cannot load as a user-facing error', async () => {
    const logged = vi.spyOn(log, 'error').mockImplementation(() => {});
    const broken = new Embedder({ ...(await locateEmbedder(dataDir, 'Xenova/all-MiniLM-L6-v2'))!, folder: path.join(dataDir, 'missing') });
    try {
      await expect(broken.embedQuery('hello')).rejects.toMatchObject({ code: 'embedder_load_failed' });
      // The loader's own error reaches the main-process log (not the user), once.
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0]![0]).toMatch(/^embedder Xenova\/all-MiniLM-L6-v2: /);
      expect(logged.mock.calls[0]![1]).toEqual(expect.stringMatching(/\w/));
    } finally {
      logged.mockRestore();
      await broken.close();
    }
  });
});
