// Sliding-window layers keep their K/V in a ring of window + rows − 1 slots (position p at slot p mod slots) instead
// of the whole bucket. The ring must change nothing: logits equal the masked full-cache path's bit for bit on random
// gemma2 and gemma3 GGUFs (window 6), for prompts shorter than, equal to and several times longer than the window,
// in prefill chunks and decode steps, on the TS, WASM and native kernels and on 1–3 workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openModel } from '../../../src/main/lpu/loader';
import { isSlidingLayer } from '../../../src/main/lpu/loader/model-source';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { storedTypesOf } from '../../../src/main/lpu/compiler/passes/quantize';
import type { SlidingKv } from '../../../src/main/lpu/compiler/passes/lower';
import { createArena } from '../../../src/main/lpu/runtime/arena';
import { loadWeights } from '../../../src/main/lpu/runtime/load-weights';
import { kernelSetFactory, type KernelSetName } from '../../../src/main/lpu/kernels/registry';
import { nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';
import { RANDOM_ARCHS, writeRandomArchGguf } from '../../../src/main/lpu/parity/random-model';

const WINDOW = 6; // the random gemma specs' sliding_window
const ROWS = 8; // prefill chunk: rings of 6 + 8 − 1 = 13 slots
const DECODE_STEPS = 6;
const nativeAvailable = nativeKernelsStatus().available;

let dir: string;
const files: Record<string, string> = {};
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-kv-ring-'));
  for (const arch of ['gemma2', 'gemma3'] as const) {
    files[arch] = path.join(dir, `${arch}.gguf`);
    writeRandomArchGguf(files[arch], RANDOM_ARCHS[arch], 'Q8_0');
  }
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Random ordinary token ids after BOS (id 2 in the Gemma vocabulary). */
function promptIds(length: number): Int32Array {
  const random = seededRandom(length);
  return Int32Array.from({ length }, (_, i) => (i === 0 ? 2 : 300 + Math.floor(random() * 20000)));
}

/** Every step's logits: the prompt in chunks of ROWS, then DECODE_STEPS one-row steps feeding back each argmax. */
async function stepLogits(file: string, slidingKv: SlidingKv, kernels: KernelSetName, runnerFactory: StepRunnerFactory, prompt: Int32Array): Promise<Float32Array[]> {
  const source = openModel(file);
  const { program } = compile(source.config, { chips: 1, bucket: 512, rows: ROWS, storedTypes: storedTypesOf(source.weights), slidingKv }, source.hash);
  const memory = createArena(program.arenaBytes);
  loadWeights(program, source.weights, memory);
  const runner = await runnerFactory(program, memory, await (await kernelSetFactory(kernels))(memory), kernels);
  const a = program.memory.allocations.find((x) => x.tensor === 'logits')!;
  const logits = () => new Float32Array(memory.buffer, program.chipBase[a.chip]! + a.offset, program.config.vocabSize).slice();
  const out: Float32Array[] = [];
  try {
    const ids = new Int32Array(ROWS);
    for (let pos = 0; pos < prompt.length; pos += ROWS) {
      const m = Math.min(ROWS, prompt.length - pos);
      ids.set(prompt.subarray(pos, pos + m));
      await runner.step(ids, m, pos);
      out.push(logits());
    }
    for (let i = 0, pos = prompt.length; i < DECODE_STEPS; i++, pos++) {
      const last = out[out.length - 1]!;
      ids[0] = last.indexOf(Math.max(...last));
      await runner.step(ids, 1, pos);
      out.push(logits());
    }
  } finally {
    await runner.dispose();
  }
  return out;
}

describe('sliding-window KV rings', () => {
  it.each(['gemma2', 'gemma3'] as const)('%s: sliding layers hold window + rows − 1 positions, global layers the bucket', (arch) => {
    const source = openModel(files[arch]!);
    const { program } = compile(source.config, { chips: 1, bucket: 512, rows: ROWS, storedTypes: storedTypesOf(source.weights) }, source.hash);
    for (let l = 0; l < source.config.nLayers; l++) {
      const k = program.tensors.find((t) => t.id === `k_cache.${l}`)!;
      expect(k.shape[1]).toBe(isSlidingLayer(source.config, l) ? WINDOW + ROWS - 1 : 512);
    }
  });

  const cases: { kernels: KernelSetName; runner: StepRunnerFactory; label: string; lengths: number[] }[] = [
    { kernels: 'ts', runner: inProcessRunner, label: 'TS, calling thread', lengths: [5, 6, 29] },
    { kernels: 'wasm', runner: inProcessRunner, label: 'WASM, calling thread', lengths: [5, 6, 29] },
    { kernels: 'wasm', runner: parallelRunner(2, { decode: 'split', prefill: 'split' }), label: 'WASM, 2 workers', lengths: [29] },
    { kernels: 'wasm', runner: parallelRunner(3, { decode: 'split', prefill: 'split' }), label: 'WASM, 3 workers', lengths: [29] },
    ...(nativeAvailable ? [
      { kernels: 'native' as const, runner: inProcessRunner, label: 'native, calling thread', lengths: [29] },
      { kernels: 'native' as const, runner: parallelRunner(2, { decode: 'split', prefill: 'split' }), label: 'native, 2 workers', lengths: [29] },
    ] : []),
  ];
  describe.each(['gemma2', 'gemma3'] as const)('%s', (arch) => {
    it.each(cases)('logits equal the masked full cache bit for bit ($label)', async ({ kernels, runner, lengths }) => {
      for (const length of lengths) {
        const prompt = promptIds(length);
        const full = await stepLogits(files[arch]!, 'full', kernels, runner, prompt);
        const ring = await stepLogits(files[arch]!, 'ring', kernels, runner, prompt);
        expect(ring.length).toBe(Math.ceil(length / ROWS) + DECODE_STEPS);
        for (let s = 0; s < full.length; s++) expect(ring[s], `${arch} ${kernels} prompt ${length}, step ${s}`).toEqual(full[s]);
      }
    }, 120_000);
  });
});
