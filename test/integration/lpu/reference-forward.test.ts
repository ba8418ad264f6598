import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forwardRef } from '../../../src/main/lpu/kernels/reference';
import { openModel } from '../../../src/main/lpu/loader';
import { TINY_LLAMA, TINY_QWEN2, tinyRefModel, tinyWeights, writeTinyGguf, writeTinyHfFolder } from '../../fixtures/lpu/tiny-models';
import { lastRow, prepareExecutor, relativeMaxError } from '../../fixtures/lpu/run-steps';
import { corpusFile, describeWithCorpus, itWithCorpus } from '../../support/corpus';

// Whole-model logits of the emulator against the float64 reference forward. Tolerances: f32 weights 2e-3 of the
// largest logit, because the KV cache is binary16 (2^-11 relative rounding per K/V element; measured 2.9e-4 to
// 7.2e-4, f32 accumulation order alone stays under 1e-4); int8 weights 5% (per-32-group weight and activation rounding).

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
const F32_TOLERANCE = 2e-3;
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'lpu-ref-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('emulator logits vs float64 reference', () => {
  itWithCorpus([STORIES], 'stories260K (f32 and int8 weights), chunked prefill and token-by-token decode agree', () => {
    const source = openModel(stories());
    const c = source.config;
    const cache = new Map<string, Float32Array>();
    const ref = forwardRef({
      dim: c.dim, hiddenDim: c.hiddenDim, nLayers: c.nLayers, nHeads: c.nHeads, nKvHeads: c.nKvHeads, headDim: c.headDim,
      vocabSize: c.vocabSize, ropeTheta: c.ropeTheta, rmsEps: c.rmsEps,
      weight(name) {
        const w = source.weights.get(name);
        if (!w) return undefined;
        if (!cache.has(name)) { const out = new Float32Array(w.rows * w.cols); w.readRows(0, w.rows, out); cache.set(name, out); }
        return cache.get(name);
      },
    }, [1, 403, 407, 261, 378, 432, 383]);
    const expected = lastRow(ref, c.vocabSize);
    const f32 = prepareExecutor(stories(), { weights: 'f32', rows: 4 });
    expect(relativeMaxError(f32.logitsFor([1, 403, 407, 261, 378, 432, 383]), expected)).toBeLessThan(F32_TOLERANCE);
    expect(relativeMaxError(f32.logitsFor([1, 403, 407, 261, 378, 432, 383], true), expected)).toBeLessThan(F32_TOLERANCE);
    const int8 = prepareExecutor(stories(), { weights: 'int8', rows: 4 });
    expect(relativeMaxError(int8.logitsFor([1, 403, 407, 261, 378, 432, 383]), expected)).toBeLessThan(0.05);
    expect(int8.quantization.weightRelativeRmsError).toBeGreaterThan(0);
    expect(int8.quantization.weightRelativeRmsError).toBeLessThan(0.02);
    expect(int8.quantization.keptF32).toContain('blk.0.ffn_down'); // hidden 172 is not a multiple of 32
  });

  it('a random llama model: GGUF F32/F16/Q8_0 and HF safetensors F32/BF16 all match the reference', () => {
    const weights = tinyWeights(TINY_LLAMA, 3);
    const tokens = [1, 280, 17, 99, 300, 5, 260, 261, 262];
    const expected = lastRow(forwardRef(tinyRefModel(TINY_LLAMA, weights), tokens), TINY_LLAMA.vocab);
    for (const type of ['F32', 'F16'] as const) {
      const file = path.join(dir, `tiny-${type}.gguf`);
      writeTinyGguf(file, TINY_LLAMA, weights, type);
      expect(relativeMaxError(prepareExecutor(file, { weights: 'f32', rows: 4 }).logitsFor(tokens), expected)).toBeLessThan(F32_TOLERANCE);
    }
    const q8 = path.join(dir, 'tiny-q8.gguf');
    writeTinyGguf(q8, TINY_LLAMA, weights, 'Q8_0');
    expect(relativeMaxError(prepareExecutor(q8, { weights: 'int8', rows: 4 }).logitsFor(tokens), expected)).toBeLessThan(0.05);
    for (const dtype of ['F32', 'BF16'] as const) {
      const folder = path.join(dir, `hf-${dtype}`);
      writeTinyHfFolder(folder, TINY_LLAMA, weights, dtype);
      expect(relativeMaxError(prepareExecutor(folder, { weights: 'f32', rows: 4 }).logitsFor(tokens), expected)).toBeLessThan(F32_TOLERANCE);
    }
  });

  it('qwen2 with q/k/v biases and NEOX RoPE (GGUF and HF) matches the reference', () => {
    const weights = tinyWeights(TINY_QWEN2, 5);
    const tokens = [1, 290, 40, 41, 42, 7];
    const expected = lastRow(forwardRef(tinyRefModel(TINY_QWEN2, weights), tokens), TINY_QWEN2.vocab);
    const file = path.join(dir, 'qwen2.gguf');
    writeTinyGguf(file, TINY_QWEN2, weights, 'F32');
    expect(relativeMaxError(prepareExecutor(file, { weights: 'f32', rows: 4 }).logitsFor(tokens), expected)).toBeLessThan(F32_TOLERANCE);
    const folder = path.join(dir, 'hf-qwen2');
    writeTinyHfFolder(folder, TINY_QWEN2, weights, 'F16');
    expect(relativeMaxError(prepareExecutor(folder, { weights: 'f16', rows: 4 }).logitsFor(tokens), expected)).toBeLessThan(F32_TOLERANCE);
  });

  it('the same logits on 1 chip, 2 tensor-parallel chips and 2 pipeline stages of 8', () => {
    const weights = tinyWeights(TINY_LLAMA, 9);
    const file = path.join(dir, 'tiny-tp.gguf');
    writeTinyGguf(file, TINY_LLAMA, weights, 'F32');
    const tokens = [1, 270, 271, 272, 273];
    const one = prepareExecutor(file, { weights: 'f32', chips: 1, rows: 4 }).logitsFor(tokens);
    const tp2 = prepareExecutor(file, { weights: 'f32', chips: 2, rows: 4 });
    const pp = prepareExecutor(file, { weights: 'f32', chips: 16, rows: 4 });
    expect(tp2.program.partitioning).toEqual({ chips: 2, tp: 2, stages: 1 });
    expect(pp.program.partitioning).toEqual({ chips: 16, tp: 8, stages: 2 });
    expect(pp.program.ops.some((op) => op.kind === 'c2c' && op.attrs.pattern === 'send')).toBe(true);
    expect(Array.from(tp2.logitsFor(tokens))).toEqual(Array.from(one));
    expect(Array.from(pp.logitsFor(tokens))).toEqual(Array.from(one));
  });
});

describeWithCorpus([STORIES], 'quantisation accuracy cost', () => {
  it('is measured, small for int8 and exactly zero for f32', async () => {
    const { measureQuantizationCost } = await import('../../../src/main/lpu/runtime/accuracy');
    const int8 = await measureQuantizationCost(stories(), 'int8');
    expect(int8.positions).toBeGreaterThan(30);
    expect(int8.logitRelativeError).toBeGreaterThan(0);
    expect(int8.logitRelativeError).toBeLessThan(0.05);
    expect(int8.top1Agreement).toBeGreaterThan(0.9);
    const f32 = await measureQuantizationCost(stories(), 'f32');
    expect(f32).toMatchObject({ logitRelativeError: 0, top1Agreement: 1, weightRelativeRmsError: 0 });
  });
});
