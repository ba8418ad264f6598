// The parallel runner gives bitwise identical logits and tokens whatever the worker count and decode mode, and
// the WASM kernels keep the stories260K golden decode exact.
import { expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel } from '../../../src/main/lpu';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';
import { corpusFile, describeWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,';
// Long enough for three prefill chunks, so activation rows are split between workers too.
const LONG_PROMPT = 'Once upon a time, there was a little dog named Max. Max liked to run in the big green park with his friend Sue. '.repeat(3);

/** Wraps a runner factory to copy the last step's logits out of the arena after a generation. */
function capturingLogits(factory: StepRunnerFactory) {
  let read: () => Float32Array = () => new Float32Array();
  const wrapped: StepRunnerFactory = async (program, memory, kernels, name) => {
    const a = program.memory.allocations.find((x) => x.tensor === 'logits')!;
    read = () => new Float32Array(memory.buffer, program.chipBase[a.chip]! + a.offset, program.config.vocabSize).slice();
    return factory(program, memory, kernels, name);
  };
  return { wrapped, logits: () => read() };
}

async function run(factory: StepRunnerFactory, prompt: string, maxTokens: number, cacheDir: string, chips?: number) {
  const capture = capturingLogits(factory);
  const model = await loadLpuModel(stories(), { kernels: 'wasm', weights: 'int8', runner: capture.wrapped, cacheDir, chips });
  try {
    const result = await model.generate({ prompt, maxTokens, sampling: { greedy: true } });
    return { text: result.text, tokens: result.tokens, cycles: result.cycles, logits: capture.logits(), rows: model.program.rows };
  } finally {
    await model.dispose();
  }
}

describeWithCorpus([STORIES], 'parallel LPU runner (WASM kernels)', () => {
  it('decodes the stories260K golden continuation exactly on 1, 2 and 3 workers with identical logits', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-speed-'));
    try {
      const reference = await run(inProcessRunner, 'Once upon a time', 48, cacheDir);
      expect(reference.text).toBe(GOLDEN);
      for (const factory of [parallelRunner(1), parallelRunner(2, { decode: 'split', prefill: 'split' }), parallelRunner(3, { decode: 'split', prefill: 'split' }), parallelRunner(2)]) {
        const r = await run(factory, 'Once upon a time', 48, cacheDir);
        expect(r.text).toBe(GOLDEN);
        expect(r.cycles).toEqual(reference.cycles);
        expect(r.logits).toEqual(reference.logits);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('splits multi-chunk prefill rows between workers without changing a bit', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-speed-'));
    try {
      const reference = await run(inProcessRunner, LONG_PROMPT, 16, cacheDir);
      const three = await run(parallelRunner(3, { decode: 'split', prefill: 'split' }), LONG_PROMPT, 16, cacheDir);
      const two = await run(parallelRunner(2, { decode: 'solo', prefill: 'split' }), LONG_PROMPT, 16, cacheDir);
      expect(reference.tokens).toHaveLength(16);
      expect(three.tokens).toEqual(reference.tokens);
      expect(two.tokens).toEqual(reference.tokens);
      expect(three.logits).toEqual(reference.logits);
      expect(two.logits).toEqual(reference.logits);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('runs a program partitioned over 2 emulated chips (c2c copies) identically on 3 workers', async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'lpu-speed-'));
    try {
      const reference = await run(inProcessRunner, LONG_PROMPT, 12, cacheDir, 2);
      const three = await run(parallelRunner(3, { decode: 'split', prefill: 'split' }), LONG_PROMPT, 12, cacheDir, 2);
      expect(three.tokens).toEqual(reference.tokens);
      expect(three.logits).toEqual(reference.logits);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('plans a barrier where a worker needs another worker\'s output, and none inside fused runs of decode ops', async () => {
    const model = await loadLpuModel(stories(), { kernels: 'wasm', weights: 'int8', threads: 0 });
    try {
      const ops = model.program.ops, { decode, prefill } = model.program.sync;
      const dec = new Set(decode.barriers), pre = new Set(prefill.barriers);
      // the ops of layer 1 (layer 0's first norm follows the embedding, which worker 0 writes alone)
      const at = (kind: string, nth = 0) => ops.map((op, i) => (op.kind === kind && op.layer === 1 ? i : -1)).filter((i) => i >= 0)[nth]!;
      const firstMatmul = at('matmul'), attention = at('attention');
      expect(decode.cuts[at('rmsnorm')]).toEqual({ kind: 'every' }); // every worker norms the row: no barrier before q/k/v
      expect(dec.has(firstMatmul)).toBe(false);
      expect(dec.has(at('rope'))).toBe(false); // RoPE and the KV store continue q/k/v's head-aligned column cut
      expect(dec.has(at('storeKv'))).toBe(false);
      expect(dec.has(attention)).toBe(true);
      expect(dec.has(at('siluMul'))).toBe(false);
      expect(dec.has(at('add'))).toBe(false); // the residual add continues the output projection's cut
      expect(dec.has(at('rmsnorm', 1))).toBe(true); // the next norm reads the whole updated row
      expect(pre.has(ops.findIndex((op) => op.kind === 'embed') + 1)).toBe(true); // embed is worker 0 only; rmsnorm rows are split
      expect(dec.has(0)).toBe(false);
      expect(model.program.stats.barriers.decodePerLayer).toBe(5);
      expect(model.program.stats.barriers.decodeStep).toBe(decode.barriers.length);
    } finally {
      await model.dispose();
    }
  });
});
