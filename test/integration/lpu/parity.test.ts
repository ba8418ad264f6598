// Every architecture × format against llama.cpp (node-llama-cpp) on random-weight GGUFs with real vocabularies.
import { describe, expect, it } from 'vitest';
import { runRandomParity } from '../../../src/main/lpu/parity';
import { SUPPORTED_ARCHITECTURES } from '../../../src/main/lpu/loader/model-source';

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

describe.each(SUPPORTED_ARCHITECTURES)('%s matches llama.cpp', (arch) => {
  it.each(Object.keys(TOLERANCE) as (keyof typeof TOLERANCE)[])('%s: logits within tolerance, the same top-1 token', async (format) => {
    // WASM kernels: bitwise the same on every machine, so a near tie resolves the same way everywhere
    const report = await runRandomParity(arch, format, { tokens: POSITIONS, kernels: 'wasm' });
    expect(report).toMatchObject({ positions: POSITIONS, format, tokenizerMatch: true });
    expect(report.maxAbsLogit).toBeGreaterThan(5); // logits spread enough for top-1 to mean something
    expect(report.maxAbsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(TOLERANCE[format].maxAbs);
    expect(report.rmsLogitError / report.maxAbsLogit).toBeLessThanOrEqual(TOLERANCE[format].rms);
    // float formats pick llama.cpp's token everywhere; int8 activations on both sides add independent rounding noise
    // that may reorder a near tie (measured: at most 3 of 32 positions, docs/lpu-architecture.md)
    expect(report.top1Agreement).toBeGreaterThanOrEqual(format === 'Q8_0' ? 0.875 : 1);
  }, 240_000);
});
