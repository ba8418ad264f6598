// Resuming a generation over sliding-window KV rings (random gemma3, window 6, rings of 6 + 32 − 1 slots): a prefix
// snapshot longer than the window and the ring comes back and continues exactly as a fresh run; a follow-up that
// diverges from the live cache further back than the rings still hold starts afresh instead of attending to
// overwritten keys; one that diverges within them resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type LpuModel } from '../../../src/main/lpu';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { kvRingOf } from '../../../src/main/lpu/runtime/kv-ring';
import { RANDOM_ARCHS, writeRandomArchGguf } from '../../../src/main/lpu/parity/random-model';

const WORDS = 'river stone lantern orchard meadow harbor thunder willow candle marble falcon prairie cobalt ember quartz'.split(' ');
const text = (from: number, n: number) => Array.from({ length: n }, (_, i) => WORDS[(from + i * 7) % WORDS.length]).join(' ');

let dir: string, file: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-kv-ring-resume-'));
  file = path.join(dir, 'gemma3.gguf');
  writeRandomArchGguf(file, RANDOM_ARCHS.gemma3, 'Q8_0');
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** A model whose last step's logits the test can read. */
async function open(prefixCacheMb = 256): Promise<{ model: LpuModel; logits: () => Float32Array }> {
  let logits = () => new Float32Array();
  const runner: StepRunnerFactory = async (program, memory, kernels, name) => {
    const a = program.memory.allocations.find((x) => x.tensor === 'logits')!;
    logits = () => new Float32Array(memory.buffer, program.chipBase[a.chip]! + a.offset, program.config.vocabSize).slice();
    return inProcessRunner(program, memory, kernels, name);
  };
  const model = await loadLpuModel(file, { kernels: 'wasm', cacheDir: dir, runner, prefixCacheMb });
  return { model, logits: () => logits() };
}

/** Greedy tokens and final logits of `prompt` on a model that has run nothing else. */
async function fresh(prompt: string) {
  const { model, logits } = await open(0);
  try {
    const r = await model.generate({ prompt, maxTokens: 4, sampling: { greedy: true } });
    expect(r.cachedPromptTokens).toBe(0);
    return { tokens: r.tokens, logits: logits() };
  } finally {
    await model.dispose();
  }
}

describe('resuming over sliding-window KV rings', () => {
  it('restores a prefix snapshot longer than the window and the ring, and continues as a fresh run does', async () => {
    const prefix = text(0, 60), prompt = `${prefix} ${text(3, 12)}`;
    const { model, logits } = await open();
    try {
      const ring = kvRingOf(model.program)!;
      expect(ring).toEqual({ slots: 37, window: 6 });
      const cached = await model.cachePrefix({ prompt: prefix });
      expect(cached).toBeGreaterThan(ring.slots + ring.window);
      // K and V of one 32-wide f16 head: 5 sliding layers keep their rings, the global one every position
      expect(model.prefixCache.stats().bytes).toBe(2 * 32 * 2 * (5 * ring.slots + cached));
      await model.generate({ prompt: text(5, 50), maxTokens: 2, sampling: { greedy: true } }); // the live cache moves on
      const r = await model.generate({ prompt, maxTokens: 4, sampling: { greedy: true } });
      expect(r.cachedPromptTokens).toBeGreaterThanOrEqual(cached - 1);
      const reference = await fresh(prompt);
      expect(r.tokens).toEqual(reference.tokens);
      expect(logits()).toEqual(reference.logits);
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('starts afresh when the prompt leaves the live cache further back than the rings hold, and resumes within them', async () => {
    const first = text(0, 70);
    const { model, logits } = await open(0);
    try {
      const ring = kvRingOf(model.program)!;
      const held = (await model.generate({ prompt: first, maxTokens: 4, sampling: { greedy: true } })).promptTokens + 3;
      // shares ~20 tokens: the rings were overwritten there long ago
      const early = `${text(0, 20)} ${text(4, 30)}`;
      const far = await model.generate({ prompt: early, maxTokens: 4, sampling: { greedy: true } });
      expect(far.cachedPromptTokens).toBe(0);
      const reference = await fresh(early);
      expect(far.tokens).toEqual(reference.tokens);
      expect(logits()).toEqual(reference.logits);

      // the live cache now holds `early` and its answer; diverge a few tokens before its end: still inside the rings
      const again = model.tokenizer.encode(early);
      const near = `${text(0, 20)} ${text(4, 27)} ${text(9, 6)}`;
      const resumed = await model.generate({ prompt: near, maxTokens: 4, sampling: { greedy: true } });
      expect(resumed.cachedPromptTokens).toBeGreaterThan(again.length - (ring.slots - ring.window + 1));
      const nearReference = await fresh(near);
      expect(resumed.tokens).toEqual(nearReference.tokens);
      expect(logits()).toEqual(nearReference.logits);
      expect(held).toBeGreaterThan(ring.slots);
    } finally {
      await model.dispose();
    }
  }, 120_000);
});
