// Every architecture × format against llama.cpp (node-llama-cpp) on random-weight GGUFs with real vocabularies.
import { describe, expect, it } from 'vitest';
import { runRandomParity } from '../../../src/main/lpu/parity';
import { SUPPORTED_ARCHITECTURES } from '../../../src/main/lpu/loader/model-source';
import { RANDOM_MODEL_CACHE } from '../../fixtures/lpu/random-model-cache';

// Tolerances as fractions of the largest |logit| (the random models' logits reach ~20-90). F32 differs from llama.cpp
// by summation order and llama.cpp's f16 rounding of queries and attention weights (ggml multiplies them with the f16
// KV cache in f16); F16 the same; Q8_0 adds both sides' int8 activation rounding, where those small differences flip
// single quants, so it gets a wider band.
const TOLERANCE = {
  F32: { maxAbs: 0.005, rms: 0.0005 },
  F16: { maxAbs: 0.005, rms: 0.0005 },
  Q8_0: { maxAbs: 0.05, rms: 0.003 }, // measured up to 3.4% (Gemma 2) and 0.1%
} as const;
const POSITIONS = 16; // past the random Gemma models' 6-token sliding window more than twice

// Top-1, one rule for every architecture and format: the two may pick different tokens only where llama.cpp's own lead
// is within the run's max |Δlogit|, since there the measured error alone can reorder them (int8 activations are rounded
// on both sides independently, so near ties fall either way). Whether that error is rounding noise or a mistake of
// ours is settled against the exact computation: on the same weights in f32 with unrounded activations, the emulator's
// RMS distance must be at most 1.3x llama.cpp's. Measured 0.94-1.14x (a ratio of two noise estimates; the 1.14 is
// Gemma 3 Q8_0 at 16 positions, 0.97x at 64); an error of ours as large as the noise, independent of it, makes it √2.
const EXACT_RMS_RATIO = 1.3;

describe.each(SUPPORTED_ARCHITECTURES)('%s matches llama.cpp', (arch) => {
  it.each(Object.keys(TOLERANCE) as (keyof typeof TOLERANCE)[])('%s: logits within tolerance, the same top-1 token wherever llama.cpp leads clearly', async (format) => {
    // WASM kernels: bitwise the same on every machine, so a near tie resolves the same way everywhere
    const report = await runRandomParity(arch, format, { tokens: POSITIONS, kernels: 'wasm', exact: format === 'Q8_0' });
    expect(report).toMatchObject({ positions: POSITIONS, format, tokenizerMatch: true });
    expect(report.maxAbsLogit).toBeGreaterThan(5); // logits spread enough for top-1 to mean something
    expect(report.maxAbsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(TOLERANCE[format].maxAbs);
    expect(report.rmsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(TOLERANCE[format].rms);
    expect(report.clearDisagreements).toBe(0);
    if (format === 'Q8_0') expect(report.exact!.rmsLogitError).toBeLessThanOrEqual(EXACT_RMS_RATIO * report.exact!.llamaCpp.rmsLogitError);
    else expect(report.top1Agreement).toBe(1); // float formats: no int8 rounding, llama.cpp's token everywhere
  }, 240_000);
});

// The 4-6 bit formats and llama.cpp's Q4_K_M mix (Q4_K, with Q6_K on attn_v/ffn_down of the use_more_bits layers and
// on the output; Phi-3's fused qkv in Q5_K). The models widen to whole 256-value blocks (qwen2's six heads to dim 768,
// heads of 128) and keep 4,096 ordinary tokens (every special too): encoding the K-quants in TS and llama.cpp's
// vocabulary load dominate otherwise. Files are cached by generator fingerprint under node_modules/.cache, so only a
// run after the generator changed pays for writing them.
const K_QUANT_TOLERANCE = { maxAbs: 0.06, rms: 0.004 }; // measured at most 4.3% (Gemma 2 Q4_0, soft-capped at 30) and 0.29%
const K_QUANT_POSITIONS = 32;

describe.each(SUPPORTED_ARCHITECTURES)('%s K-quants match llama.cpp', (arch) => {
  it.each(['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q4_K_M'])('%s: logits within tolerance, top-1 wherever llama.cpp leads clearly, no further from the exact result than llama.cpp', async (format) => {
    const report = await runRandomParity(arch, format, { tokens: K_QUANT_POSITIONS, kernels: 'wasm', vocabulary: 4096, cacheDir: RANDOM_MODEL_CACHE, exact: true });
    expect(report).toMatchObject({ positions: K_QUANT_POSITIONS, format: format.slice(0, 4), tokenizerMatch: true });
    expect(report.maxAbsLogit).toBeGreaterThan(5);
    expect(report.maxAbsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(K_QUANT_TOLERANCE.maxAbs);
    expect(report.rmsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(K_QUANT_TOLERANCE.rms);
    expect(report.clearDisagreements).toBe(0);
    expect(report.exact!.rmsLogitError).toBeLessThanOrEqual(EXACT_RMS_RATIO * report.exact!.llamaCpp.rmsLogitError);
  }, 240_000);
});

// BF16 weights: llama.cpp rounds the activations to bf16 too for its dot products (vec_dot_type BF16), the emulator
// multiplies them in f32, so the band is wider than F16's; measured at most 1.3% (Gemma 2) and 0.06%. That rounding is
// llama.cpp's alone, so the top-1 rule is the quantised formats' one, and the emulator sits on the exact computation.
const BF16_TOLERANCE = { maxAbs: 0.025, rms: 0.0015 };

describe.each(SUPPORTED_ARCHITECTURES)('%s BF16 matches llama.cpp', (arch) => {
  it('logits within tolerance, the same top-1 token wherever llama.cpp leads clearly, the exact computation', async () => {
    const report = await runRandomParity(arch, 'BF16', { tokens: K_QUANT_POSITIONS, kernels: 'wasm', vocabulary: 4096, exact: true });
    expect(report).toMatchObject({ positions: K_QUANT_POSITIONS, format: 'BF16', tokenizerMatch: true });
    expect(report.maxAbsLogit).toBeGreaterThan(5);
    expect(report.maxAbsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(BF16_TOLERANCE.maxAbs);
    expect(report.rmsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(BF16_TOLERANCE.rms);
    expect(report.clearDisagreements).toBe(0);
    // bf16 weights widen exactly to f32 and the emulator multiplies in f32: it is the exact computation, bit for bit
    expect(report.exact!.maxAbsLogitError).toBe(0);
  }, 240_000);
});
