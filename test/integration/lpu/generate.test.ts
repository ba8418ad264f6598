import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type LpuModel, type LpuTokenEvent } from '../../../src/main/lpu';
import { AppError } from '../../../src/shared/errors';
import { corpusFile, describeWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
// ../shared/models/README.md: llama.cpp's greedy 48-token continuation of "Once upon a time" (BOS added).
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,';

describeWithCorpus([STORIES], 'stories260K on the emulator', () => {
  let cacheDir: string;
  let model: LpuModel;
  beforeAll(async () => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-cache-'));
    model = await loadLpuModel(stories(), { cacheDir, weights: 'int8' }); // the golden holds for int8 as for the file's own f32 (native-formats.test.ts)
  });
  afterAll(async () => {
    await model?.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('greedy decode matches the golden continuation with int8 weights in a worker, deterministically', async () => {
    const events: LpuTokenEvent[] = [];
    const first = await model.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true } }, (ev) => events.push(ev));
    expect(first.text).toBe(GOLDEN);
    expect(first.tokens).toHaveLength(48);
    expect(first.promptTokens).toBe(5);
    expect(first.stopReason).toBe('length');
    expect(events.map((e) => e.text).join('')).toBe(GOLDEN);
    expect(events[0]!.cycles).toBe(first.cycles.prefill);
    expect(events[1]!.cycles).toBe(first.cycles.perDecodeToken);
    expect(events[1]!.emulatedUs).toBeCloseTo(first.cycles.perDecodeToken / 900, 6);
    expect(first.cycles.total).toBe(first.cycles.prefill + 47 * first.cycles.perDecodeToken);
    // The same request again: identical tokens and decode cycles; the KV cache already holds the prompt's prefix.
    const second = await model.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true } });
    expect(second.tokens).toEqual(first.tokens);
    expect(second.cycles.decode).toBe(first.cycles.decode);
    expect(first.cachedPromptTokens).toBe(0);
    expect(second.cachedPromptTokens).toBe(4);
    expect(second.cycles.prefill).toBe(first.cycles.prefill); // one static 32-row chunk either way
    expect(model.info.weights).toBe('int8');
    expect(readdirSync(cacheDir).some((f) => f.endsWith('.program.json'))).toBe(true);
  });

  it('reuses the KV of a shared prompt prefix and recomputes only the rest', async () => {
    const system = 'Once upon a time, there was a little girl named Lily.';
    await model.generate({ prompt: system + ' She', maxTokens: 2, sampling: { greedy: true } });
    const r = await model.generate({ prompt: system + ' One day', maxTokens: 2, sampling: { greedy: true } });
    const fresh = await loadLpuModel(stories(), { threads: 0, weights: 'int8' });
    try {
      const full = await fresh.generate({ prompt: system + ' One day', maxTokens: 2, sampling: { greedy: true } });
      expect(r.cachedPromptTokens).toBe(model.tokenizer.encode(system).length);
      expect(r.tokens).toEqual(full.tokens);
      expect(full.cachedPromptTokens).toBe(0);
      expect(r.cycles.prefill).toBe(full.cycles.prefill); // both remainders fit one static chunk
    } finally {
      await fresh.dispose();
    }
  });

  it('greedy decode is also exact with f32 weights and the ts oracle kernels in the calling thread', async () => {
    const f32 = await loadLpuModel(stories(), { weights: 'f32', threads: 0, kernels: 'ts' });
    try {
      const r = await f32.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true } });
      expect(r.text).toBe(GOLDEN);
    } finally {
      await f32.dispose();
    }
  });

  it('seeded sampling repeats exactly; another seed gives another story', async () => {
    const sampling = { temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 11 };
    const a = await model.generate({ prompt: 'Once upon a time', maxTokens: 32, sampling });
    const b = await model.generate({ prompt: 'Once upon a time', maxTokens: 32, sampling });
    const c = await model.generate({ prompt: 'Once upon a time', maxTokens: 32, sampling: { ...sampling, seed: 12 } });
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('stops at a stop sequence without printing it', async () => {
    const deltas: string[] = [];
    const r = await model.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true }, stop: [' Lily'] }, (ev) => deltas.push(ev.text));
    expect(r.text).toBe(', there was a little girl named');
    expect(r.stopReason).toBe('stop');
    expect(deltas.join('')).toBe(r.text);
  });

  it('aborts between tokens', async () => {
    const controller = new AbortController();
    const r = await model.generate({ prompt: 'Once upon a time', maxTokens: 48, sampling: { greedy: true }, signal: controller.signal }, (ev) => {
      if (ev.index === 2) controller.abort();
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.tokens).toHaveLength(3);
  });

  it('rejects prompts longer than the context bucket with a clear error', async () => {
    const error = await model.generate({ prompt: 'Once upon a time '.repeat(200), maxTokens: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('prompt_too_long');
    expect((error as AppError).message).toMatch(/compiled for a 512-token context/);
  });

  it('renders ChatML when the model has no chat template', () => {
    expect(model.tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(model.tokenizer.eosTokenIds).toEqual([2]);
  });

  it('reports the compiled program in info', () => {
    expect(model.info).toMatchObject({ architecture: 'llama', bucket: 512, chips: 1, contextLength: 512, sramCapacityPerChip: 220 * 2 ** 20 });
    expect(model.info.cyclesPerDecodeToken).toBeGreaterThan(0);
    expect(model.info.sramBytesPerChip[0]).toBeGreaterThan(800_000); // int8 weights plus a binary16 KV cache of 512 positions
  });
});
