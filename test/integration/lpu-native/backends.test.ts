// Determinism across kernel backends: the same random-weight Q8_0 model gives the same tokens and emulated cycles
// on the WASM kernels and on every native path this CPU runs, and bit-identical logits whatever the worker count;
// the stories260K golden continuation is exact on every native path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type LoadLpuModelOptions } from '../../../src/main/lpu';
import { nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';
import { tinyWeights, writeTinyGguf, type TinyShape } from '../../fixtures/lpu/tiny-models';
import { corpusFile, describeWithCorpus } from '../../support/corpus';

const status = nativeKernelsStatus();
const paths = status.available ? status.paths : [];
// Wide enough that prefill runs the GEMM tiles (32-row chunks, K up to 256) and decode the row kernels.
const SHAPE: TinyShape = { arch: 'llama', dim: 128, hidden: 256, layers: 2, heads: 4, kvHeads: 2, vocab: 320, theta: 10000, eps: 1e-5, tied: true, bias: false };
const PROMPT = 'the quick brown fox jumps over the lazy dog while the cat sleeps in the warm sun '.repeat(2);

/** Runs one greedy generation with LOCKSTEP_NATIVE_ISA set to `isa` (workers copy the environment when they start). */
async function run(file: string, cacheDir: string, options: LoadLpuModelOptions, isa: string | undefined, prompt: string, maxTokens: number) {
  const saved = process.env.LOCKSTEP_NATIVE_ISA;
  if (isa) process.env.LOCKSTEP_NATIVE_ISA = isa;
  let logits = () => new Float32Array();
  const capture = (factory: StepRunnerFactory): StepRunnerFactory => async (program, memory, kernels, name) => {
    const a = program.memory.allocations.find((x) => x.tensor === 'logits')!;
    logits = () => new Float32Array(memory.buffer, program.chipBase[a.chip]! + a.offset, program.config.vocabSize).slice();
    return factory(program, memory, kernels, name);
  };
  try {
    const model = await loadLpuModel(file, { ...options, cacheDir, runner: capture(options.runner ?? inProcessRunner) });
    try {
      const r = await model.generate({ prompt, maxTokens, sampling: { greedy: true } });
      return { text: r.text, tokens: r.tokens, cycles: r.cycles, logits: logits(), kernels: model.info.kernels };
    } finally {
      await model.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.LOCKSTEP_NATIVE_ISA;
    else process.env.LOCKSTEP_NATIVE_ISA = saved;
  }
}

describe('kernel backends on a random Q8_0 model', () => {
  let dir: string, file: string;
  beforeAll(() => {
    if (!status.available) throw new Error(`native kernels missing: ${status.reason}; run npm run build:native`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-backends-'));
    file = path.join(dir, 'random.gguf');
    writeTinyGguf(file, SHAPE, tinyWeights(SHAPE, 7), 'Q8_0');
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('gives the same tokens and cycles on WASM and every native path, and the same logits on 1 and 2 workers', async () => {
    const wasm = await run(file, dir, { kernels: 'wasm' }, undefined, PROMPT, 12);
    expect(wasm.kernels).toBe('wasm-simd');
    for (const isa of paths) {
      const solo = await run(file, dir, { kernels: 'native' }, isa, PROMPT, 12);
      expect(solo.kernels).toBe(`native-${isa}`);
      expect(solo.tokens).toEqual(wasm.tokens);
      expect(solo.cycles).toEqual(wasm.cycles);
      let worst = 0; // f32 kernels with different summation orders: logits agree to 1e-4 of their range
      for (let i = 0; i < wasm.logits.length; i++) worst = Math.max(worst, Math.abs(solo.logits[i]! - wasm.logits[i]!));
      expect(worst).toBeLessThan(1e-4 * Math.max(...wasm.logits.map(Math.abs)));
      for (const runner of [parallelRunner(1), parallelRunner(2, { decode: 'split', prefill: 'split' })]) {
        const parallel = await run(file, dir, { kernels: 'native', runner }, isa, PROMPT, 12);
        expect(parallel.tokens).toEqual(solo.tokens);
        expect(parallel.cycles).toEqual(solo.cycles);
        expect(parallel.logits).toEqual(solo.logits);
      }
    }
  }, 180_000);
});

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const GOLDEN = ', there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it,';

describeWithCorpus([STORIES], 'stories260K on the native kernels', () => {
  it('decodes the golden continuation exactly on every native path, with 2 workers on the best one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-backends-'));
    try {
      for (const isa of paths) {
        const r = await run(corpusFile(STORIES), dir, { kernels: 'native' }, isa, 'Once upon a time', 48);
        expect(r.kernels).toBe(`native-${isa}`);
        expect(r.text).toBe(GOLDEN);
      }
      const two = await run(corpusFile(STORIES), dir, { kernels: 'native', runner: parallelRunner(2, { decode: 'split', prefill: 'split' }) }, paths[0], 'Once upon a time', 48);
      const one = await run(corpusFile(STORIES), dir, { kernels: 'native' }, paths[0], 'Once upon a time', 48);
      expect(two.text).toBe(GOLDEN);
      expect(two.tokens).toEqual(one.tokens);
      expect(two.logits).toEqual(one.logits);
      expect(two.cycles).toEqual(one.cycles);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
