// Per-architecture config, RoPE scaling, sliding-window layout and lowering; refusals of damaged files.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TINY_LLAMA, tinyWeights, writeTinyGguf } from '../../fixtures/lpu/tiny-models';
import { openModel } from '../../../src/main/lpu/loader';
import { llama3FreqFactors } from '../../../src/main/lpu/loader/architectures';
import { isSlidingLayer, ropeFrequencies, type ModelConfig } from '../../../src/main/lpu/loader/model-source';
import { lower, SWA_ROPE_TABLE } from '../../../src/main/lpu/compiler/passes/lower';
import { AppError } from '../../../src/shared/errors';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-arch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: ModelConfig = {
  architecture: 'llama', name: 't', dim: 64, hiddenDim: 128, nLayers: 6, nHeads: 4, nKvHeads: 2, headDim: 16, vocabSize: 100,
  contextLength: 4096, ropeTheta: 10000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: false,
};
const gemma3: ModelConfig = {
  ...base, architecture: 'gemma3', ropeTheta: 1e6, ropeScale: 0.125, ropeThetaSwa: 10000, qkNorm: true, postNorms: true, ffnActivation: 'gelu',
  embedScale: 8, attnScale: 0.2, slidingWindow: 512, swaPattern: 6,
};
const gemma2: ModelConfig = { ...base, architecture: 'gemma2', nLayers: 4, postNorms: true, ffnActivation: 'gelu', embedScale: 8, attnSoftcap: 50, finalSoftcap: 30, slidingWindow: 4096, swaPattern: 2 };

describe('architectures', () => {
  it('refuses a tensor whose shape disagrees with the hyperparameters, naming both, before loading anything', () => {
    const weights = tinyWeights(TINY_LLAMA);
    const k = weights.get('blk.1.attn_k')!;
    weights.set('blk.1.attn_k', { rows: 16, cols: k.cols, data: k.data.subarray(0, 16 * k.cols) });
    const file = path.join(dir, 'mis-sized.gguf');
    writeTinyGguf(file, TINY_LLAMA, weights, 'F32');
    let error: unknown;
    try { openModel(file); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toBe('The GGUF file mis-sized.gguf has tensor blk.1.attn_k of 16×64 where its llama hyperparameters imply 32×64; the file is damaged or mislabelled.');
  });

  it('computes Llama 3.1\'s RoPE frequency divisors: 1 for short wavelengths, the factor for long ones, smooth between', () => {
    const f = llama3FreqFactors(128, 500000, 32, 1, 4, 8192);
    expect(f).toHaveLength(64);
    expect(f[0]).toBe(1);
    expect(f[63]).toBe(32);
    for (let i = 1; i < 64; i++) expect(f[i]!).toBeGreaterThanOrEqual(f[i - 1]!);
    const freqs = ropeFrequencies({ ...base, headDim: 128, ropeTheta: 500000, ropeFreqFactors: f });
    expect(freqs[63]).toBeCloseTo(Math.pow(500000, -126 / 128) / 32, 15);
  });

  it('interleaves sliding-window layers as llama.cpp does: every 2nd layer global in Gemma 2, every 6th in Gemma 3', () => {
    expect([0, 1, 2, 3].map((l) => isSlidingLayer(gemma2, l))).toEqual([true, false, true, false]);
    expect([0, 1, 2, 3, 4, 5].map((l) => isSlidingLayer(gemma3, l))).toEqual([true, true, true, true, true, false]);
    expect(isSlidingLayer(base, 0)).toBe(false);
    // local layers: their own base, unscaled; global ones: the scaled base
    expect(ropeFrequencies(gemma3, true)[1]).toBeCloseTo(Math.pow(10000, -2 / 16), 15);
    expect(ropeFrequencies(gemma3, false)[1]).toBeCloseTo(0.125 * Math.pow(1e6, -2 / 16), 15);
  });

  it('lowers Gemma 3 with √d scaling, per-head Q/K norms, post-norms, GeGLU and windowed local layers', () => {
    const g = lower(gemma3, 512, 4);
    const kinds = g.ops.map((op) => op.kind);
    expect(kinds.filter((k) => k === 'scale')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'geluMul')).toHaveLength(6);
    expect(kinds).not.toContain('siluMul');
    expect(kinds).not.toContain('softcap');
    expect(g.ops.filter((op) => op.kind === 'rmsnorm' && op.attrs.N !== undefined).map((op) => op.attrs.N)).toEqual(Array.from({ length: 6 }, () => [4, 2]).flat());
    expect(g.ops.filter((op) => op.kind === 'rmsnorm' && /post_(attention|ffw)_norm/.test(op.inputs[1]!))).toHaveLength(12);
    const attention = g.ops.filter((op) => op.kind === 'attention');
    expect(attention.map((op) => op.attrs.window)).toEqual([512, 512, 512, 512, 512, undefined]);
    expect(attention.every((op) => op.attrs.scale === 0.2)).toBe(true);
    expect(g.ops.filter((op) => op.kind === 'rope').map((op) => op.inputs[1])).toEqual([...Array(10).fill(SWA_ROPE_TABLE), 'rope_table', 'rope_table']);
  });

  it('lowers Gemma 2 with attention soft-capping on every layer and final logit soft-capping', () => {
    const g = lower(gemma2, 4096, 1);
    expect(g.ops.filter((op) => op.kind === 'attention').map((op) => [op.attrs.window, op.attrs.softcap])).toEqual([[4096, 50], [undefined, 50], [4096, 50], [undefined, 50]]);
    expect(g.ops.at(-1)).toMatchObject({ kind: 'softcap', inputs: ['logits'], attrs: { cap: 30, rowMode: 'last' } });
    expect(g.tensors.has(SWA_ROPE_TABLE)).toBe(false); // Gemma 2's local layers share the global base
  });
});
