import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultSettings, type Settings } from '../../../src/shared/settings';
import { RERANKER_ID } from '../../../src/main/models/catalog';
import { log } from '../../../src/main/platform/log';
import { CrossEncoderScorer } from '../../../src/main/retrieve/cross-encoder';
import { lexicalScorer, passageForScoring, rerankCandidates } from '../../../src/main/retrieve/rerank';
import { RerankerChoice } from '../../../src/main/retrieve/reranker';
import { search } from '../../../src/main/retrieve/search';
import { createServices } from '../../../src/main/services';
import { installTinyCrossEncoder, referenceLogit, type TinyCrossEncoderWeights } from '../../fixtures/embed/tiny-cross-encoder';
import { TOKENIZER_DIR } from '../../fixtures/embed/tiny-embedder';
import { addDocument } from './library';

// The real cross-encoder path: transformers.js tokenises each (query, passage) pair and runs a generated random-weight
// BERT sequence classifier in a worker thread. Random weights: only exactness and wiring are checked, never quality.
const query = 'dividends paid to shareholders';
const passages = [
  'Dividends paid to shareholders were 1.2 billion dollars in fiscal 2021.',
  'The company paid dividends.',
  'Shareholders approved the plan; dividends were not discussed.',
  'Revenue grew on higher volumes in every segment.',
  'Cash dividends paid per share rose to 0.84.',
  'Forward-looking statements involve risks and uncertainties.',
  'dividends dividends dividends',
  'Paid-in capital and retained earnings.',
  'Net cash used in financing activities included dividends paid to shareholders and repurchases.',
  'Shareholders of record received a dividend.',
];

describe('CrossEncoderScorer (transformers.js in a worker)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-cross-encoder-'));
  let weights: TinyCrossEncoderWeights;
  let folder: string;
  let scorer: CrossEncoderScorer;

  beforeAll(() => {
    ({ weights, folder } = installTinyCrossEncoder(path.join(dataDir, 'models'), RERANKER_ID, 11));
    scorer = new CrossEncoderScorer(folder);
  });
  afterAll(async () => {
    await scorer.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('scores each pair as a plain TypeScript forward pass of the same weights does, in batches, in order', async () => {
    const scores = await scorer.score(query, passages);
    const tokenizer = await AutoTokenizer.from_pretrained(TOKENIZER_DIR);
    expect(scores).toHaveLength(passages.length); // 10 pairs: two worker round trips
    for (const [i, passage] of passages.entries()) {
      const encoded = tokenizer(query, { text_pair: passage }) as { input_ids: { data: BigInt64Array }; token_type_ids: { data: BigInt64Array } };
      const ids = Array.from(encoded.input_ids.data, Number);
      const types = Array.from(encoded.token_type_ids.data, Number);
      expect(types).toContain(1); // the passage is the pair's second segment
      expect(scores[i]).toBeCloseTo(referenceLogit(weights, ids, types), 4);
    }
    expect(await scorer.score(query, passages)).toEqual(scores);
  });

  it('orders candidates differently from the lexical scorer', async () => {
    const candidates = passages.map((_, chunkId) => ({ chunkId, fused: 1 / (1 + chunkId) }));
    const chunkOf = (c: { chunkId: number }) => ({ text: passages[c.chunkId], headingPath: '' });
    const byModel = (await rerankCandidates(query, candidates, chunkOf, scorer)).map((c) => c.chunkId);
    const byLexical = (await rerankCandidates(query, candidates, chunkOf, lexicalScorer)).map((c) => c.chunkId);
    const modelScores = await scorer.score(query, passages);
    expect(byModel).toEqual([...byModel].sort((a, b) => modelScores[b] - modelScores[a] || a - b));
    expect(byModel).not.toEqual(byLexical);
  });

  it('stops when the search is cancelled, before or during scoring', async () => {
    const before = new AbortController();
    before.abort();
    await expect(scorer.score(query, passages, before.signal)).rejects.toMatchObject({ name: 'AbortError' });
    const during = new AbortController();
    const scoring = scorer.score(query, passages, during.signal);
    during.abort();
    await expect(scoring).rejects.toMatchObject({ name: 'AbortError' });
    expect(await scorer.score(query, passages.slice(0, 2))).toHaveLength(2); // the worker is still usable
  });
});

describe('RerankerChoice (which scorer the rerank stage uses)', () => {
  let dataDir: string;
  let choice: RerankerChoice | undefined;
  const settings: Settings = { ...defaultSettings };
  const choose = () => (choice = new RerankerChoice({ dataDir, settings: { get: () => settings }, env: {} }));

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-reranker-choice-'));
  });
  afterEach(async () => {
    await choice?.close();
    settings.rerankEnabled = true;
    vi.restoreAllMocks();
    rmSync(path.join(dataDir, 'models'), { recursive: true, force: true });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses none while no reranker is installed', async () => {
    expect(await choose().current()).toBeUndefined();
  });

  it('uses the installed cross-encoder while reranking is on, and none when the user turns it off', async () => {
    const { folder } = installTinyCrossEncoder(path.join(dataDir, 'models'), RERANKER_ID, 11);
    const scorer = await choose().current();
    expect(scorer?.name).toBe(RERANKER_ID);
    const direct = new CrossEncoderScorer(folder);
    try {
      const [expected] = await direct.score(query, [passages[0]]);
      expect((await scorer!.score(query, [passages[0]]))[0]).toBeCloseTo(expected, 6);
    } finally {
      await direct.close();
    }
    settings.rerankEnabled = false;
    expect(await choice!.current()).toBeUndefined();
  });

  it('falls back to the lexical scorer, with one log line, when the installed model folder is broken', async () => {
    const { folder } = installTinyCrossEncoder(path.join(dataDir, 'models'), RERANKER_ID, 11);
    writeFileSync(path.join(folder, 'onnx', 'model_quantized.onnx'), 'not an onnx graph');
    const warned = vi.spyOn(log, 'warn').mockImplementation(() => {});
    const errored = vi.spyOn(log, 'error').mockImplementation(() => {});
    const scorer = (await choose().current())!;
    const scores = await scorer.score(query, passages);
    expect(scores).toEqual(await lexicalScorer.score(query, passages));
    expect(scorer.name).toBe('lexical');
    expect(warned).toHaveBeenCalledTimes(1);
    expect(warned.mock.calls[0][0]).toMatch(/reranker Xenova\/ms-marco-MiniLM-L-6-v2 failed, reranking with the lexical scorer until it is reinstalled: The reranking model in .* could not be loaded/);
    expect(errored).toHaveBeenCalledTimes(1); // the load error's cause, logged once from the worker's reply
    await scorer.score(query, passages);
    expect(warned).toHaveBeenCalledTimes(1);
  });
});

describe('search with an installed reranker', () => {
  it('reranks BM25 candidates with the cross-encoder while the setting is on, and keeps BM25 order when it is off', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-rerank-search-'));
    const services = createServices({ dataDir, mode: 'test' });
    try {
      const { folder } = installTinyCrossEncoder(path.join(dataDir, 'models'), RERANKER_ID, 11);
      await addDocument(services, { title: 'filing', passages: passages.map((text) => ({ text })) });
      const direct = new CrossEncoderScorer(folder);
      const reranked = await search(services, { query, k: 10, mode: 'bm25', lambda: 1 });
      const texts = reranked.hits.map((hit) => hit.text);
      // Scored as the stage sees each passage: its contextual header and heading path, then its text.
      const scores = await direct.score(query, reranked.hits.map(passageForScoring));
      await direct.close();
      expect(reranked.hits.length).toBeGreaterThan(2); // the passages that share a term with the query
      expect(scores).toEqual([...scores].sort((a, b) => b - a));

      // A caller that asks for no reranker (the benchmarks) gets none, installed or not.
      const unranked = await search(services, { query, k: 10, mode: 'bm25', lambda: 1 }, { reranker: null });
      services.settings.update({ rerankEnabled: false });
      const plain = await search(services, { query, k: 10, mode: 'bm25', lambda: 1 });
      expect(plain.hits.map((hit) => hit.text)).toEqual(unranked.hits.map((hit) => hit.text));
      expect(plain.hits.map((hit) => hit.text)).not.toEqual(texts);
      expect(new Set(plain.hits.map((hit) => hit.text))).toEqual(new Set(texts));
    } finally {
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
