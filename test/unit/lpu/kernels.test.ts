import { describe, expect, it } from 'vitest';
import { createArena } from '../../../src/main/lpu/runtime/arena';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import { Q8_GROUP, type KernelSet } from '../../../src/main/lpu/kernels/abi';
import { fillRopeTable, quantizeQ8 } from '../../../src/main/lpu/runtime/load-weights';
import { f16ToF32, f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import { attentionRef, matmulRef, rmsnormRef, ropeRef, siluRef } from '../../../src/main/lpu/kernels/reference';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';

// Every TypeScript kernel against the float64 reference. Tolerances: f32 paths 1e-5 relative to the output's
// max magnitude; int8 paths 2% of max magnitude (two 8-bit roundings per product, per-32 groups).

const memory = createArena(8 << 20);
const kernels: KernelSet = createTsKernels(memory);
const f32 = new Float32Array(memory.buffer);
const i32 = new Int32Array(memory.buffer);
const u16 = new Uint16Array(memory.buffer);
let top = 65536;
const alloc = (bytes: number) => { const p = top; top += Math.ceil(bytes / 64) * 64; return p; };
const put = (values: ArrayLike<number>) => { const p = alloc(values.length * 4); f32.set(Array.from(values), p >> 2); return p; };
const read = (p: number, n: number) => f32.slice(p >> 2, (p >> 2) + n);
/** Stores values as int8 with binary16 group scales, as the loader does; returns [quants, scales] pointers. */
const putQ8 = (values: Float32Array): [number, number] => {
  const wq = alloc(values.length), ws = alloc((values.length / Q8_GROUP) * 2);
  quantizeQ8(values, new Int8Array(memory.buffer, wq, values.length), new Uint16Array(memory.buffer, ws, values.length / Q8_GROUP));
  return [wq, ws];
};
/** Stores rows [len, nKvHeads*headDim] as a binary16 KV cache [nKvHeads, ctx, headDim]; returns the pointer. */
const putKvF16 = (rows: ArrayLike<number>, len: number, nKvHeads: number, headDim: number, ctx: number) => {
  const p = alloc(nKvHeads * ctx * headDim * 2);
  for (let t = 0; t < len; t++) for (let g = 0; g < nKvHeads; g++) for (let d = 0; d < headDim; d++) {
    u16[(p >> 1) + (g * ctx + t) * headDim + d] = f32ToF16(rows[(t * nKvHeads + g) * headDim + d]!);
  }
  return p;
};
const roundedToF16 = (values: ArrayLike<number>) => Float32Array.from(values, (v) => f16ToF32(f32ToF16(v)));
const random = seededRandom(42);
const randomVec = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relTol: number): void {
  let maxMag = 0, maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    maxMag = Math.max(maxMag, Math.abs(expected[i]!));
    maxErr = Math.max(maxErr, Math.abs(actual[i]! - expected[i]!));
  }
  expect(actual.length).toBe(expected.length);
  expect(maxErr).toBeLessThanOrEqual(relTol * Math.max(maxMag, 1e-6));
}

describe('ts kernels vs float64 reference', () => {
  it('matmulF32 over an output-row range writes only that range', () => {
    const [M, K, N] = [3, 96, 40];
    const x = randomVec(M * K), w = randomVec(N * K);
    const out = put(new Float32Array(M * N).fill(7));
    kernels.matmulF32(out, put(x), put(w), M, K, N, 8, 24);
    const got = read(out, M * N);
    const ref = matmulRef(x, w, M, K, N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
      if (n < 8 || n >= 24) expect(got[m * N + n]).toBe(7);
      else expect(Math.abs(got[m * N + n]! - ref[m * N + n]!)).toBeLessThan(1e-4);
    }
  });

  it('quantizeRowsQ8 + matmulQ8 match the float product within 2%', () => {
    const [M, K, N] = [4, 128, 48];
    const x = randomVec(M * K), w = randomVec(N * K, 0.1);
    const xq = alloc(M * K), xs = alloc((M * K / Q8_GROUP) * 4);
    kernels.quantizeRowsQ8(xq, xs, put(x), M, K);
    const [wq, ws] = putQ8(w); // weights: the same symmetric per-32 format with binary16 scales
    const out = alloc(M * N * 4);
    kernels.matmulQ8(out, xq, xs, wq, ws, M, K, N, 0, N);
    expectClose(read(out, M * N), matmulRef(x, w, M, K, N), 0.02);
  });

  it('quantizeRowsQ8 is symmetric with scale max|x|/127 per group', () => {
    const x = randomVec(64);
    x[5] = 3; // group 0's max
    const xq = alloc(64), xs = alloc(8);
    kernels.quantizeRowsQ8(xq, xs, put(x), 1, 64);
    expect(f32[xs >> 2]).toBeCloseTo(3 / 127, 7);
    expect(new Int8Array(memory.buffer)[xq + 5]).toBe(127);
  });

  it('matmulF16 equals the product with f16-rounded weights', () => {
    const [M, K, N] = [2, 64, 16];
    const x = randomVec(M * K), w = randomVec(N * K);
    const wp = alloc(N * K * 2);
    w.forEach((v, i) => { u16[(wp >> 1) + i] = f32ToF16(v); });
    const out = alloc(M * N * 4);
    kernels.matmulF16(out, put(x), wp, M, K, N, 0, N);
    expectClose(read(out, M * N), matmulRef(x, w, M, K, N), 2e-3);
  });

  it('rmsnorm', () => {
    const [M, D] = [3, 72];
    const x = randomVec(M * D), w = randomVec(D);
    const out = alloc(M * D * 4);
    kernels.rmsnorm(out, put(x), put(w), M, D, 1e-5);
    expectClose(read(out, M * D), rmsnormRef(x, w, M, D, 1e-5), 1e-5);
  });

  it('rope rotates interleaved pairs by position', () => {
    const [M, H, hd, pos0, theta] = [3, 4, 16, 5, 10000];
    const table = alloc(64 * hd * 4);
    fillRopeTable(f32, table >> 2, 64, hd, theta);
    const x = randomVec(M * H * hd);
    const p = put(x);
    kernels.rope(p, table, M, H, hd, pos0);
    expectClose(read(p, M * H * hd), ropeRef(x, M, H, hd, pos0, theta), 1e-5);
  });

  it('attention: causal, grouped-query, at an offset position, over a binary16 KV cache', () => {
    const [M, pos0, H, KVH, hd] = [3, 4, 6, 2, 8];
    const len = pos0 + M;
    const q = randomVec(M * H * hd), k = randomVec(len * KVH * hd), v = randomVec(len * KVH * hd);
    const out = alloc(M * H * hd * 4), scores = alloc(64 * 4), ctx = 16;
    kernels.attention(out, put(q), putKvF16(k, len, KVH, hd, ctx), putKvF16(v, len, KVH, hd, ctx), scores, M, pos0, H, KVH, hd, ctx);
    // The reference reads the same f16-rounded K/V; only f32 accumulation order differs.
    expectClose(read(out, M * H * hd), attentionRef(q, roundedToF16(k), roundedToF16(v), M, pos0, H, KVH, hd), 1e-5);
  });

  it('storeKvF16 writes binary16 rows per KV head at pos0, rounding to nearest even', () => {
    const x = [1, -2.5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25, 3 * 2 ** -25, -0]; // rows [2, 2 heads × 2]
    const cache = alloc(2 * 3 * 2 * 2); // [2 heads, ctx 3, headDim 2]
    u16.fill(0xffff, cache >> 1, (cache >> 1) + 12);
    kernels.storeKvF16(cache, put(x), 2, 1, 2, 2, 3);
    // ties go to the even mantissa (1, 1+2^-9); 65520 overflows to inf; 2^-25 ties to 0, 3·2^-25 to 2·2^-24
    expect(Array.from(u16.subarray(cache >> 1, (cache >> 1) + 12))).toEqual([
      0xffff, 0xffff, 0x3c00, 0xc100, 0x7c00, 0, // head 0: position 0 untouched, rows 0 and 1 at positions 1, 2
      0xffff, 0xffff, 0x3c00, 0x3c02, 2, 0x8000, // head 1
    ]);
  });

  it('siluMul, add and addBias', () => {
    const n = 100;
    const g = randomVec(n, 4), u = randomVec(n);
    const out = alloc(n * 4);
    kernels.siluMul(out, put(g), put(u), n);
    expectClose(read(out, n), Array.from(g, (v, i) => siluRef(v) * u[i]!), 1e-6);
    const a = put(g);
    kernels.add(a, a, put(u), n);
    expectClose(read(a, n), Array.from(g, (v, i) => v + u[i]!), 1e-6);
    const x = put(g), b = randomVec(25);
    kernels.addBias(x, put(b), 4, 25);
    expectClose(read(x, n), Array.from(g, (v, i) => v + b[i % 25]!), 1e-6);
  });

  it('embedF32 and embedQ8 gather rows by token id', () => {
    const [V, D] = [10, 64];
    const table = randomVec(V * D);
    const ids = alloc(8);
    i32[ids >> 2] = 7; i32[(ids >> 2) + 1] = 2;
    const out = alloc(2 * D * 4);
    kernels.embedF32(out, ids, put(table), 2, D);
    expect(Array.from(read(out, D))).toEqual(Array.from(table.subarray(7 * D, 8 * D)));
    const [wq, ws] = putQ8(table);
    kernels.embedQ8(out, ids, wq, ws, 2, D);
    expectClose(read(out, 2 * D), [...table.subarray(7 * D, 8 * D), ...table.subarray(2 * D, 3 * D)], 0.01);
  });

  it('argmax returns the first maximum', () => {
    const p = put([1, 5, 3, 5, -2]);
    expect(kernels.argmax(p, 5)).toBe(1);
  });
});
