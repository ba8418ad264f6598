// The compiler's sync plan fuses RoPE, the KV store, q/k/v biases, per-head norms, gating, quantisation and the
// residual add onto the cut of the matmul or attention before them, and every worker norms the row itself. Whatever
// the architecture, weight format, backend or worker count, the logits stay bitwise those of the calling thread.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLpuModel, type LoadLpuModelOptions } from '../../../src/main/lpu';
import { nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { RANDOM_ARCHS, writeRandomArchGguf } from '../../../src/main/lpu/parity/random-model';
import type { GgufTensorType } from '../../../src/main/lpu/loader/gguf-writer';
import { inProcessRunner, type StepRunnerFactory } from '../../../src/main/lpu/runtime/step-runner';
import { parallelRunner } from '../../../src/main/lpu/runtime/parallel/parallel-runner';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-fused-cuts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROMPT = 'Once upon a time, in a quiet village by the sea, there lived an old fisherman and his cat';
const kernelSets: ('wasm' | 'native')[] = nativeKernelsStatus().available ? ['wasm', 'native'] : ['wasm'];

const CASES: [string, (typeof RANDOM_ARCHS)[keyof typeof RANDOM_ARCHS], GgufTensorType, number?][] = [
  // 32-wide heads: attention's per-head output quantises on attention's own cut
  ['llama, 32-wide heads, Q8_0', { ...RANDOM_ARCHS.llama, heads: 4, kvHeads: 2, headDim: 32 }, 'Q8_0'],
  ['qwen2 (q/k/v biases on the matmul cut), Q8_0', RANDOM_ARCHS.qwen2, 'Q8_0'],
  ['qwen3 (per-head Q/K norms on the matmul cut), Q8_0', RANDOM_ARCHS.qwen3, 'Q8_0'],
  ['gemma2 (in-place post-norms, GeGLU, soft-caps), Q8_0', RANDOM_ARCHS.gemma2, 'Q8_0'],
  ['llama, Q4_K (Q8_K activation blocks of 256)', RANDOM_ARCHS.llama, 'Q4_K'],
  // tensor-parallel shards: each worker owns its share of every shard's columns
  ['llama, Q4_K on 2 emulated chips', RANDOM_ARCHS.llama, 'Q4_K', 2],
  // three chips cut the FFN's 512 columns off the 256-column Q8_K groups: gating's quantize must not continue that cut
  ['llama, Q4_K on 3 emulated chips', RANDOM_ARCHS.llama, 'Q4_K', 3],
  // workers cut each op's whole span, not each chip's shard: q (86-row shards of 16-wide heads), k/v (11 rows) and the
  // FFN (171 rows of 256-column groups) are off their units per chip, yet RoPE, the KV store and gating fuse
  ['qwen2, Q4_K on 3 emulated chips, shards off heads and groups', { ...RANDOM_ARCHS.qwen2, dim: 256, hidden: 512, heads: 16, kvHeads: 2, headDim: 16 }, 'Q4_K', 3],
];

async function generate(file: string, options: LoadLpuModelOptions) {
  let logits = () => new Float32Array();
  const capture = (factory: StepRunnerFactory): StepRunnerFactory => async (program, memory, kernels, name) => {
    const a = program.memory.allocations.find((x) => x.tensor === 'logits')!;
    logits = () => new Float32Array(memory.buffer, program.chipBase[a.chip]! + a.offset, program.config.vocabSize).slice();
    return factory(program, memory, kernels, name);
  };
  const model = await loadLpuModel(file, { ...options, cacheDir: dir, runner: capture(options.runner ?? inProcessRunner) });
  try {
    const r = await model.generate({ prompt: PROMPT, maxTokens: 8, sampling: { greedy: true } });
    return { tokens: r.tokens, cycles: r.cycles, logits: logits(), fusedDecodeCuts: model.program.sync.decode.cuts.filter((c) => c.kind === 'cols').length };
  } finally {
    await model.dispose();
  }
}

describe.each(CASES)('%s', (name, spec, type, chips) => {
  it.each(kernelSets)('gives the calling thread\'s logits bit for bit on 1, 2 and 3 workers (%s kernels)', async (kernels) => {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.gguf`);
    writeRandomArchGguf(file, spec, type);
    const reference = await generate(file, { kernels, chips });
    expect(reference.tokens).toHaveLength(8);
    expect(reference.fusedDecodeCuts).toBeGreaterThan(0);
    for (const runner of [parallelRunner(1), parallelRunner(2, { decode: 'split', prefill: 'split' }), parallelRunner(3, { decode: 'split', prefill: 'split' })]) {
      const r = await generate(file, { kernels, chips, runner });
      expect(r.tokens).toEqual(reference.tokens);
      expect(r.cycles).toEqual(reference.cycles);
      expect(r.logits).toEqual(reference.logits);
    }
  }, 180_000);
});
