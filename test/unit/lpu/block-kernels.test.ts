import { describe, expect, it } from 'vitest';
import { createArena } from '../../../src/main/lpu/runtime/arena';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import { createWasmKernels } from '../../../src/main/lpu/kernels/wasm';
import { BLOCK_FORMATS, Q8K_BLOCK_BYTES, QK_K, type BlockFormat, type KernelSet } from '../../../src/main/lpu/kernels/abi';
import { dequantize } from '../../../src/main/lpu/loader/dequant';
import { quantizeQ4_0, quantizeQ4K, quantizeQ5K, quantizeQ6K } from '../../../src/main/lpu/loader/ggml-quantize';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';

// The block-format kernels three ways: WASM SIMD vs the TS oracle vs dequantise-then-f64-matmul.
// Tolerances: WASM vs TS 1e-6 of the output's max magnitude (the same integer sums, scaled and accumulated in f32 vs
// f64: measured ≤ 2.3e-7 for Q4_K, Q5_K and Q6_K alike over K 256-2048, offset weights and activations up to 20);
// TS vs the float reference 2% RMS and 5% max of the output's RMS (8-bit activation rounding per 32 or 256 values);
// encoders' round trip within each format's expected quantisation noise.

const memory = createArena(16 << 20);
const ts: KernelSet = createTsKernels(memory);
const wasm: KernelSet = createWasmKernels(memory);
const f32 = new Float32Array(memory.buffer);
const u8 = new Uint8Array(memory.buffer);
let top = 65536;
const alloc = (bytes: number) => { const p = top; top += Math.ceil(bytes / 64) * 64; return p; };
const random = seededRandom(7);
const randomVec = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

const ENCODERS: Record<BlockFormat, (x: Float32Array, out: Uint8Array, at: number) => void> = {
  q4_0: quantizeQ4_0, q4_k: quantizeQ4K, q5_k: quantizeQ5K, q6_k: quantizeQ6K,
};

/** Encodes W[N,K] into the arena as ggml blocks (odd base, as shard pointers can be) and returns its dequantised values. */
function putBlocks(format: BlockFormat, w: Float32Array, N: number, K: number): { ptr: number; values: Float32Array } {
  const { ggmlType, blockElems, blockBytes } = BLOCK_FORMATS[format];
  const rowBytes = (K / blockElems) * blockBytes, ptr = alloc(N * rowBytes + 1) + 1;
  for (let n = 0; n < N; n++) ENCODERS[format](w.subarray(n * K, (n + 1) * K), u8, ptr + n * rowBytes);
  const values = new Float32Array(N * K);
  dequantize(ggmlType, u8.slice(ptr, ptr + N * rowBytes), values, 0, N * K);
  return { ptr, values };
}

function matmulRef(x: Float32Array, w: Float32Array, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let acc = 0;
    for (let k = 0; k < K; k++) acc += x[m * K + k]! * w[n * K + k]!;
    out[m * N + n] = acc;
  }
  return out;
}

const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, b) => a + b * b, 0) / v.length);

/** Runs one format's matmul with kernel set k: activations quantised by k, whole range then a two-shard split. */
function runMatmul(k: KernelSet, format: BlockFormat, x: Float32Array, w: number, M: number, K: number, N: number): { whole: Float32Array; split: Float32Array } {
  const xp = alloc(M * K * 4), out = alloc(M * N * 4);
  f32.set(x, xp >> 2);
  const run = (nStart: number, nEnd: number) => {
    if (format === 'q4_0') {
      const xq = alloc(M * K), xs = alloc((M * K) / 8);
      k.quantizeRowsQ8(xq, xs, xp, M, K);
      k.matmulQ4_0(out, xq, xs, w, M, K, N, nStart, nEnd);
    } else {
      const y = alloc((M * K / QK_K) * Q8K_BLOCK_BYTES);
      k.quantizeRowsQ8K(y, xp, M, K);
      const mm = format === 'q4_k' ? k.matmulQ4K : format === 'q5_k' ? k.matmulQ5K : k.matmulQ6K;
      mm(out, y, w, M, K, N, nStart, nEnd);
    }
  };
  run(0, N);
  const whole = f32.slice(out >> 2, (out >> 2) + M * N);
  f32.fill(0, out >> 2, (out >> 2) + M * N);
  run(0, 5); run(5, N);
  return { whole, split: f32.slice(out >> 2, (out >> 2) + M * N) };
}

describe('block-format kernels', () => {
  for (const format of Object.keys(BLOCK_FORMATS) as BlockFormat[]) {
    it(`${format}: WASM = TS oracle ≈ dequantise-then-matmul, any row split`, () => {
      const K = 512, N = 13, M = 3;
      const weights = randomVec(N * K, 0.3);
      const { ptr, values } = putBlocks(format, weights, N, K);
      const x = randomVec(M * K);
      const ref = matmulRef(x, values, M, K, N);
      const t = runMatmul(ts, format, x, ptr, M, K, N);
      const v = runMatmul(wasm, format, x, ptr, M, K, N);
      const scale = Math.max(...Array.from(ref, Math.abs)), refRms = rms(ref);
      const err = Array.from(t.whole, (o, i) => o - ref[i]!);
      expect(rms(err)).toBeLessThan(0.02 * refRms);
      expect(Math.max(...err.map(Math.abs))).toBeLessThan(0.05 * refRms);
      for (let i = 0; i < M * N; i++) expect(Math.abs(v.whole[i]! - t.whole[i]!)).toBeLessThan(1e-6 * scale);
      expect(Array.from(v.split)).toEqual(Array.from(v.whole)); // bitwise the same whichever worker computes a row
      expect(Array.from(t.split)).toEqual(Array.from(t.whole));
    });
  }

  it('quantizeRowsQ8K: WASM writes the same blocks as the TS oracle, with bsums of each 16', () => {
    const M = 2, K = 512, x = randomVec(M * K, 3);
    const xp = alloc(M * K * 4);
    f32.set(x, xp >> 2);
    const bytes = (M * K / QK_K) * Q8K_BLOCK_BYTES, a = alloc(bytes), b = alloc(bytes);
    ts.quantizeRowsQ8K(a, xp, M, K);
    wasm.quantizeRowsQ8K(b, xp, M, K);
    expect(Array.from(u8.slice(b, b + bytes))).toEqual(Array.from(u8.slice(a, a + bytes)));
    const view = new DataView(memory.buffer as ArrayBuffer, a);
    const d = view.getFloat32(0, true);
    expect(d).toBeCloseTo(Math.max(...Array.from(x.subarray(0, 256), Math.abs)) / 127, 6);
    let sum = 0;
    for (let j = 16; j < 32; j++) sum += view.getInt8(4 + j);
    expect(view.getInt16(260 + 2, true)).toBe(sum);
  });

  it('matmulBF16: WASM = TS = f64 over bf16-rounded weights', () => {
    const K = 70, N = 6, M = 2, w = randomVec(N * K), x = randomVec(M * K);
    const wp = alloc(N * K * 2), xp = alloc(M * K * 4), o1 = alloc(M * N * 4), o2 = alloc(M * N * 4);
    const bits = new Uint32Array(Float32Array.from(w).buffer);
    const u16 = new Uint16Array(memory.buffer);
    const rounded = new Float32Array(N * K);
    for (let i = 0; i < N * K; i++) { u16[(wp >> 1) + i] = bits[i]! >>> 16; rounded[i] = new Float32Array(new Uint32Array([(bits[i]! >>> 16) << 16]).buffer)[0]!; }
    f32.set(x, xp >> 2);
    ts.matmulBF16(o1, xp, wp, M, K, N, 0, N);
    wasm.matmulBF16(o2, xp, wp, M, K, N, 0, N);
    const ref = matmulRef(x, rounded, M, K, N);
    for (let i = 0; i < M * N; i++) {
      expect(f32[(o1 >> 2) + i]).toBeCloseTo(ref[i]!, 4);
      expect(f32[(o2 >> 2) + i]).toBeCloseTo(ref[i]!, 4);
    }
  });

  it('embedGgml dequantises the looked-up rows of a block table', () => {
    const D = 256, V = 5, table = randomVec(V * D);
    const { ptr, values } = putBlocks('q6_k', table, V, D);
    const ids = alloc(8), out = alloc(2 * D * 4);
    new Int32Array(memory.buffer).set([3, 1], ids >> 2);
    wasm.embedGgml(out, ids, ptr, 2, D, BLOCK_FORMATS.q6_k.ggmlType);
    expect(Array.from(f32.slice(out >> 2, (out >> 2) + D))).toEqual(Array.from(values.subarray(3 * D, 4 * D)));
    expect(Array.from(f32.slice((out >> 2) + D, (out >> 2) + 2 * D))).toEqual(Array.from(values.subarray(D, 2 * D)));
  });
});

describe('ggml reference encoders', () => {
  // RMS round-trip error of uniform values in [-1, 1], relative to their RMS (~0.577): about step/√12 per format.
  const bounds: Record<BlockFormat, number> = { q4_0: 0.12, q4_k: 0.09, q5_k: 0.045, q6_k: 0.025 };
  for (const format of Object.keys(BLOCK_FORMATS) as BlockFormat[]) {
    it(`${format} round-trips within its quantisation noise`, () => {
      const x = randomVec(1024);
      const { values } = putBlocks(format, x, 1, 1024);
      const err = rms(Array.from(values, (v, i) => v - x[i]!)) / rms(x);
      expect(err).toBeLessThan(bounds[format]);
      expect(err).toBeGreaterThan(bounds[format] / 10); // it did quantise
    });
  }
});
