// WASM matmul kernels vs a float64 reference and vs the TS oracle, on odd shapes and split output ranges.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, wasmKernelsBuilt } from '../../../src/main/lpu/kernels/wasm';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import { f32ToF16, f16ToF32 } from '../../../src/main/lpu/loader/dequant';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
import { createTestArena, fillF32, readF32, seededRandom, worstError, type TestArena } from './arena';

let arena: TestArena, wasm: KernelSet, ts: KernelSet;
beforeAll(() => {
  if (!wasmKernelsBuilt()) throw new Error('WASM kernels missing: run npm run build:wasm');
  arena = createTestArena();
  wasm = createWasmKernels(arena.memory);
  ts = createTsKernels(arena.memory);
});

// Random int8 weights [N,K] with per-32 binary16 scales, as the loader stores them.
function q8Weights(N: number, K: number, random: () => number) {
  const w = arena.alloc(N * K), ws = arena.alloc((N * K) / 16);
  for (let i = 0; i < N * K; i++) arena.i8[w + i] = Math.round(random() * 254) - 127;
  for (let i = 0; i < (N * K) / 32; i++) arena.u16[(ws >> 1) + i] = f32ToF16(0.001 + random() * 0.02);
  return { w, ws };
}

// Binary16 scales that exercise every conversion path: zeros, subnormals, the largest finite, negatives, tiny normals.
const EDGE_SCALES = [0x0000, 0x8000, 0x0001, 0x03ff, 0x8200, 0x0400, 0x7bff, 0xfbff, 0x3c00, 0x1400, 0x9555];

// float64 reference of the dequantised product Σ_g xs·ws·Σ_{k∈g} xq·w, and Σ_g |group term| (the f32 error scale).
function referenceQ8(xq: number, xs: number, w: number, ws: number, M: number, K: number, N: number) {
  const out = new Float64Array(M * N), magnitude = new Float64Array(M * N), G = K / 32;
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      let dot = 0;
      for (let k = g * 32; k < g * 32 + 32; k++) dot += arena.i8[xq + m * K + k]! * arena.i8[w + n * K + k]!;
      const term = dot * arena.f32[(xs >> 2) + m * G + g]! * f16ToF32(arena.u16[(ws >> 1) + n * G + g]!);
      out[m * N + n] += term;
      magnitude[m * N + n] += Math.abs(term);
    }
  }
  return { out, magnitude };
}

describe('quantizeRowsQ8 (wasm)', () => {
  it('matches the TS oracle byte for byte and stays within half a step of the input', () => {
    const random = seededRandom(1);
    const M = 3, K = 96, x = arena.alloc(M * K * 4);
    fillF32(arena, x, M * K, random, 3);
    for (let k = 32; k < 64; k++) arena.f32[(x >> 2) + k] = 0; // an all-zero group must give scale 0, not NaN
    arena.f32[(x >> 2) + 70] = 2.5 * (arena.f32[(x >> 2) + 71] = 127) / 127; // an exact .5 tie
    const wq = arena.alloc(M * K), ws = arena.alloc(M * K / 8), tq = arena.alloc(M * K), tsScales = arena.alloc(M * K / 8);
    wasm.quantizeRowsQ8(wq, ws, x, M, K);
    ts.quantizeRowsQ8(tq, tsScales, x, M, K);
    expect(Array.from(arena.i8.subarray(wq, wq + M * K))).toEqual(Array.from(arena.i8.subarray(tq, tq + M * K)));
    expect(readF32(arena, ws, M * K / 32)).toEqual(readF32(arena, tsScales, M * K / 32));
    expect(arena.f32[(ws >> 2) + 1]).toBe(0);
    for (let i = 0; i < M * K; i++) {
      const scale = arena.f32[(ws >> 2) + (i >> 5)]!;
      expect(Math.abs(arena.i8[wq + i]! * scale - arena.f32[(x >> 2) + i]!)).toBeLessThanOrEqual(scale * 0.5 + 1e-6);
    }
  });
});

describe('matmulQ8 (wasm)', () => {
  // Decode (M=1), a 4-row tile plus remainder, a prefill block boundary (M=19 > 16) and an odd output range.
  const shapes = [
    { M: 1, K: 64, N: 7, nStart: 0, nEnd: 7 },
    { M: 1, K: 576, N: 37, nStart: 3, nEnd: 34 },
    { M: 5, K: 96, N: 11, nStart: 1, nEnd: 10 },
    { M: 19, K: 160, N: 9, nStart: 0, nEnd: 9 },
  ];
  for (const { M, K, N, nStart, nEnd } of shapes) {
    it(`M=${M} K=${K} N=${N} rows [${nStart},${nEnd}) matches float64 and TS within 2e-6 of Σ|group terms|`, () => {
      const random = seededRandom(M * 1000 + K + N);
      const x = arena.alloc(M * K * 4), xq = arena.alloc(M * K), xs = arena.alloc(M * K / 8);
      fillF32(arena, x, M * K, random, 2);
      wasm.quantizeRowsQ8(xq, xs, x, M, K);
      const { w, ws } = q8Weights(N, K, random);
      const outW = arena.alloc(M * N * 4), outT = arena.alloc(M * N * 4);
      arena.f32.fill(-7, outW >> 2, (outW >> 2) + M * N);
      arena.f32.fill(-7, outT >> 2, (outT >> 2) + M * N);
      wasm.matmulQ8(outW, xq, xs, w, ws, M, K, N, nStart, nEnd);
      ts.matmulQ8(outT, xq, xs, w, ws, M, K, N, nStart, nEnd);
      const { out: reference, magnitude } = referenceQ8(xq, xs, w, ws, M, K, N);
      const gotW = readF32(arena, outW, M * N), gotT = readF32(arena, outT, M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        const i = m * N + n;
        if (n < nStart || n >= nEnd) { expect(gotW[i]).toBe(-7); continue; } // rows outside the range untouched
        const scale = magnitude[i]!;
        expect(Math.abs(gotW[i]! - reference[i]!)).toBeLessThanOrEqual(2e-6 * scale);
        expect(Math.abs(gotW[i]! - gotT[i]!)).toBeLessThanOrEqual(2e-6 * scale);
      }
    });
  }

  // Decode, a prefill tile with remainder rows and an odd output range, with every scale edge case on every path.
  for (const { M, N, nStart, nEnd } of [{ M: 1, N: 13, nStart: 0, nEnd: 13 }, { M: 6, N: 11, nStart: 1, nEnd: 11 }]) {
    it(`M=${M}: zero, subnormal, largest and negative binary16 weight scales match float64 and TS within 2e-6 of Σ|group terms|`, () => {
      const random = seededRandom(11 + M), K = 96;
      const x = arena.alloc(M * K * 4), xq = arena.alloc(M * K), xs = arena.alloc(M * K / 8);
      fillF32(arena, x, M * K, random);
      wasm.quantizeRowsQ8(xq, xs, x, M, K);
      const { w, ws } = q8Weights(N, K, random);
      for (let i = 0; i < (N * K) / 32; i++) arena.u16[(ws >> 1) + i] = EDGE_SCALES[i % EDGE_SCALES.length]!;
      const outW = arena.alloc(M * N * 4), outT = arena.alloc(M * N * 4);
      wasm.matmulQ8(outW, xq, xs, w, ws, M, K, N, nStart, nEnd);
      ts.matmulQ8(outT, xq, xs, w, ws, M, K, N, nStart, nEnd);
      const { out: reference, magnitude } = referenceQ8(xq, xs, w, ws, M, K, N);
      const gotW = readF32(arena, outW, M * N), gotT = readF32(arena, outT, M * N);
      let largest = 0;
      for (let m = 0; m < M; m++) for (let n = nStart; n < nEnd; n++) {
        const i = m * N + n;
        expect(Math.abs(gotW[i]! - reference[i]!)).toBeLessThanOrEqual(2e-6 * magnitude[i]!);
        expect(Math.abs(gotW[i]! - gotT[i]!)).toBeLessThanOrEqual(2e-6 * magnitude[i]!);
        largest = Math.max(largest, Math.abs(gotW[i]!));
      }
      expect(largest).toBeGreaterThan(1e3); // the 65504 scales took part, not flushed to 0
    });
  }

  it('embedQ8 dequantises rows with binary16 scales exactly (int8 · f16 fits an f32 mantissa)', () => {
    const random = seededRandom(12), V = 4, D = 64 * EDGE_SCALES.length / 2;
    const { w, ws } = q8Weights(V, D, random);
    for (let i = 0; i < (V * D) / 32; i++) arena.u16[(ws >> 1) + i] = EDGE_SCALES[i % EDGE_SCALES.length]!;
    const ids = arena.alloc(12), out = arena.alloc(3 * D * 4), outTs = arena.alloc(3 * D * 4);
    arena.i32.set([3, 0, 2], ids >> 2);
    wasm.embedQ8(out, ids, w, ws, 3, D);
    ts.embedQ8(outTs, ids, w, ws, 3, D);
    const expected = Float64Array.from({ length: 3 * D }, (_, i) => {
      const row = [3, 0, 2][Math.floor(i / D)]!, d = i % D;
      return arena.i8[w + row * D + d]! * f16ToF32(arena.u16[(ws >> 1) + row * (D / 32) + (d >> 5)]!);
    });
    expect(readF32(arena, out, 3 * D)).toEqual(expected);
    expect(readF32(arena, outTs, 3 * D)).toEqual(expected);
  });

  it('gives bitwise identical rows whatever the output split, and whatever the chunking of multi-row steps', () => {
    const random = seededRandom(7);
    const M = 18, K = 128, N = 23;
    const x = arena.alloc(M * K * 4), xq = arena.alloc(M * K), xs = arena.alloc(M * K / 8);
    fillF32(arena, x, M * K, random);
    wasm.quantizeRowsQ8(xq, xs, x, M, K);
    const { w, ws } = q8Weights(N, K, random);
    const whole = arena.alloc(M * N * 4), split = arena.alloc(M * N * 4), chunked = arena.alloc(M * N * 4);
    wasm.matmulQ8(whole, xq, xs, w, ws, M, K, N, 0, N);
    for (const [a, b] of [[0, 5], [5, 6], [6, 17], [17, 23]]) wasm.matmulQ8(split, xq, xs, w, ws, M, K, N, a!, b!);
    // chunks of 3, 6 and 9 rows put each row in a different tile position (4-row tiles vs remainder rows)
    for (const [m0, rows] of [[0, 3], [3, 6], [9, 9]]) wasm.matmulQ8(chunked + m0! * N * 4, xq + m0! * K, xs + m0! * (K / 8), w, ws, rows!, K, N, 0, N);
    expect(readF32(arena, split, M * N)).toEqual(readF32(arena, whole, M * N));
    expect(readF32(arena, chunked, M * N)).toEqual(readF32(arena, whole, M * N));
    // one-row (decode) steps: the same for any split of the output rows
    const one = arena.alloc(N * 4), oneSplit = arena.alloc(N * 4);
    wasm.matmulQ8(one, xq, xs, w, ws, 1, K, N, 0, N);
    for (const [a, b] of [[0, 3], [3, 12], [12, 23]]) wasm.matmulQ8(oneSplit, xq, xs, w, ws, 1, K, N, a!, b!);
    expect(readF32(arena, oneSplit, N)).toEqual(readF32(arena, one, N));
  });
});

describe('matmulF32 and matmulF16 (wasm)', () => {
  it('matmulF32 on K=37 (SIMD body + tail) matches float64 within 1e-6 relative', () => {
    const random = seededRandom(3);
    const M = 3, K = 37, N = 5;
    const x = arena.alloc(M * K * 4), w = arena.alloc(N * K * 4), out = arena.alloc(M * N * 4), outTs = arena.alloc(M * N * 4);
    fillF32(arena, x, M * K, random); fillF32(arena, w, N * K, random);
    wasm.matmulF32(out, x, w, M, K, N, 0, N);
    ts.matmulF32(outTs, x, w, M, K, N, 0, N);
    const expected = new Float64Array(M * N), magnitude = new Float64Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
      const term = arena.f32[(x >> 2) + m * K + k]! * arena.f32[(w >> 2) + n * K + k]!;
      expected[m * N + n] += term; magnitude[m * N + n] += Math.abs(term);
    }
    const got = readF32(arena, out, M * N), gotTs = readF32(arena, outTs, M * N);
    for (let i = 0; i < M * N; i++) {
      expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * magnitude[i]!);
      expect(Math.abs(got[i]! - gotTs[i]!)).toBeLessThanOrEqual(1e-6 * magnitude[i]!);
    }
  });

  it('matmulF16 converts normals, subnormals, zeros and infinities like the TS table', () => {
    const random = seededRandom(4);
    const M = 2, K = 21, N = 3;
    const x = arena.alloc(M * K * 4), w = arena.alloc(N * K * 2), out = arena.alloc(M * N * 4), outTs = arena.alloc(M * N * 4);
    fillF32(arena, x, M * K, random);
    for (let i = 0; i < N * K; i++) arena.u16[(w >> 1) + i] = f32ToF16((random() * 2 - 1) * 4);
    arena.u16[(w >> 1) + 1] = 0x0001; arena.u16[(w >> 1) + 2] = 0x83ff; arena.u16[(w >> 1) + 3] = 0x8000; // subnormals, -0
    wasm.matmulF16(out, x, w, M, K, N, 0, N);
    ts.matmulF16(outTs, x, w, M, K, N, 0, N);
    expect(worstError(readF32(arena, out, M * N), readF32(arena, outTs, M * N), 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    // An infinite weight must give an infinite output, not a large finite one.
    arena.u16[(w >> 1) + K + 4] = 0x7c00;
    arena.f32[(x >> 2) + 4] = 1;
    wasm.matmulF16(out, x, w, 1, K, N, 1, 2);
    expect(arena.f32[(out >> 2) + 1]).toBe(Infinity);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
  });
});
