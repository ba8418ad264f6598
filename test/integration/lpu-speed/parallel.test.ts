// The parallel runner gives bitwise identical logits and tokens whatever the worker count and decode mode, and
// the WASM kernels keep the stories260K golden decode exact.
import { expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel } from '../../../src/main/lpu';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';
import { planBarriers } from '../../../src/main/lpu/runtime/parallel/partition';
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

  it('plans a barrier at every change of cut and none inside a run of row-local decode ops', async () => {
    const model = await loadLpuModel(stories(), { kernels: 'wasm', weights: 'int8', threads: 0 });
    try {
      const ops = model.program.ops, decode = planBarriers(model.program, false), prefill = planBarriers(model.program, true);
      const at = (kind: string, nth = 0) => ops.map((op, i) => (op.kind === kind ? i : -1)).filter((i) => i >= 0)[nth]!;
      const firstMatmul = at('matmul'), attention = at('attention');
      expect(decode[firstMatmul]).toBe(1); // q/k/v read the quantised norm output worker 0 wrote
      expect(decode[firstMatmul + 1]).toBe(0); // k shares q's input: no barrier between them
      expect(decode[attention]).toBe(1);
      expect(decode[attention + 1]).toBe(1); // quantize reads every head's output
      expect(decode[at('quantize')]).toBe(0); // rmsnorm → quantize on worker 0 alone
      expect(prefill[at('embed') + 1]).toBe(1); // embed is worker 0 only; rmsnorm rows are split
      expect(decode[0]).toBe(0);
    } finally {
      await model.dispose();
    }
  });
});
