// WASM norm, RoPE, attention and elementwise kernels vs float64 references and the TS oracle, on odd shapes.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, wasmKernelsBuilt, type WasmKernelSet } from '../../../src/main/lpu/kernels/wasm';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
import { f16ToF32, f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import { createTestArena, fillF32, readF32, seededRandom, worstError, type TestArena } from './arena';

let arena: TestArena, wasm: WasmKernelSet, ts: KernelSet;
beforeAll(() => {
  if (!wasmKernelsBuilt()) throw new Error('WASM kernels missing: run npm run build:wasm');
  arena = createTestArena();
  wasm = createWasmKernels(arena.memory);
  ts = createTsKernels(arena.memory);
});

/** Allocates n f32 filled uniformly in [-scale, scale); returns the pointer and a float64 copy of the values. */
function tensor(n: number, random: () => number, scale = 1) {
  const ptr = arena.alloc(n * 4);
  fillF32(arena, ptr, n, random, scale);
  return { ptr, values: readF32(arena, ptr, n) };
}

/** Allocates n binary16 (a KV cache) from uniform values in [-scale, scale); returns the pointer and the decoded values. */
function tensorF16(n: number, random: () => number, scale = 1) {
  const ptr = arena.alloc(n * 2);
  for (let i = 0; i < n; i++) arena.u16[(ptr >> 1) + i] = f32ToF16((random() * 2 - 1) * scale);
  return { ptr, values: Float64Array.from(arena.u16.subarray(ptr >> 1, (ptr >> 1) + n), f16ToF32) };
}

/** Copies n f32 from src to a fresh allocation (so wasm and ts can each run on their own copy). */
function copyOf(src: number, n: number): number {
  const dst = arena.alloc(n * 4);
  arena.f32.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
  return dst;
}

describe('transformer kernels (wasm)', () => {
  it('rmsnorm on D=37, in place, matches float64 within 1e-6 relative', () => {
    const random = seededRandom(11), M = 3, D = 37, eps = 1e-5;
    const x = tensor(M * D, random, 5), weight = tensor(D, random);
    wasm.rmsnorm(x.ptr, x.ptr, weight.ptr, M, D, eps);
    const expected = new Float64Array(M * D);
    for (let m = 0; m < M; m++) {
      let ss = 0;
      for (let d = 0; d < D; d++) ss += x.values[m * D + d]! ** 2;
      for (let d = 0; d < D; d++) expected[m * D + d] = x.values[m * D + d]! / Math.sqrt(ss / D + eps) * weight.values[d]!;
    }
    expect(worstError(readF32(arena, x.ptr, M * D), expected, 1e-7, 1e-6)).toBeLessThanOrEqual(1);
  });

  for (const headDim of [64, 6]) {
    it(`rope with headDim=${headDim} rotates interleaved pairs like float64 and TS (1e-6)`, () => {
      const random = seededRandom(headDim), M = 3, nHeads = 3, pos0 = 5, ctx = 16, width = nHeads * headDim;
      const table = arena.alloc(ctx * headDim * 4);
      for (let p = 0; p < ctx; p++) for (let i = 0; i < headDim / 2; i++) {
        const angle = p * 10000 ** (-2 * i / headDim);
        arena.f32[(table >> 2) + p * headDim + 2 * i] = Math.cos(angle);
        arena.f32[(table >> 2) + p * headDim + 2 * i + 1] = Math.sin(angle);
      }
      const x = tensor(M * width, random, 2), xTs = copyOf(x.ptr, M * width);
      wasm.rope(x.ptr, table, M, nHeads, headDim, pos0);
      ts.rope(xTs, table, M, nHeads, headDim, pos0);
      const expected = new Float64Array(M * width);
      for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) for (let i = 0; i < headDim / 2; i++) {
        const o = m * width + h * headDim + 2 * i, t = (table >> 2) + (pos0 + m) * headDim + 2 * i;
        const c = arena.f32[t]!, s = arena.f32[t + 1]!, a = x.values[o]!, b = x.values[o + 1]!;
        expected[o] = a * c - b * s;
        expected[o + 1] = a * s + b * c;
      }
      expect(worstError(readF32(arena, x.ptr, M * width), expected, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      expect(worstError(readF32(arena, x.ptr, M * width), readF32(arena, xTs, M * width), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    });
  }

  // K/V are binary16 [nKvHeads, ctx, headDim] with ctx beyond the attended positions; the float64 reference reads the
  // same decoded halves, so the tolerance is f32 accumulation only. Query heads per KV head: 2, 3 (headDim 6: scalar
  // tails), 5 (a pass of four heads and a pass of one) and 1. pos0=290 spans ten 32-key softmax blocks.
  const cases = [
    { M: 1, pos0: 6, headDim: 64, nHeads: 4, nKvHeads: 2 }, { M: 3, pos0: 4, headDim: 20, nHeads: 4, nKvHeads: 2 },
    { M: 2, pos0: 0, headDim: 8, nHeads: 4, nKvHeads: 2 }, { M: 2, pos0: 290, headDim: 64, nHeads: 4, nKvHeads: 2 },
    { M: 1, pos0: 40, headDim: 6, nHeads: 9, nKvHeads: 3 }, { M: 2, pos0: 70, headDim: 16, nHeads: 10, nKvHeads: 2 },
    { M: 1, pos0: 33, headDim: 32, nHeads: 4, nKvHeads: 4 },
    // prefill rows (four per pass) whose last key blocks end at different keys: rows straddle 32-key block edges
    { M: 9, pos0: 29, headDim: 20, nHeads: 9, nKvHeads: 3 }, { M: 6, pos0: 61, headDim: 64, nHeads: 9, nKvHeads: 3 },
  ];
  for (const { M, pos0, headDim, nHeads, nKvHeads } of cases) {
    it(`attention M=${M} pos0=${pos0} headDim=${headDim} heads=${nHeads}/${nKvHeads} over f16 K/V matches float64 and TS (2e-6)`, () => {
      const random = seededRandom(M * 100 + headDim + nHeads), ctx = pos0 + M + 3, qDim = nHeads * headDim;
      const q = tensor(M * qDim, random, 2), k = tensorF16(nKvHeads * ctx * headDim, random, 2), v = tensorF16(nKvHeads * ctx * headDim, random);
      const scores = arena.alloc(Math.max(ctx, wasm.attentionBlock) * 4), out = arena.alloc(M * qDim * 4), outTs = arena.alloc(M * qDim * 4);
      wasm.attention(out, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKvHeads, headDim, ctx);
      ts.attention(outTs, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKvHeads, headDim, ctx);
      const expected = new Float64Array(M * qDim);
      for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) {
        const head = Math.floor(h / (nHeads / nKvHeads)) * ctx * headDim, T = pos0 + m + 1;
        const s = Array.from({ length: T }, (_, t) => {
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q.values[m * qDim + h * headDim + d]! * k.values[head + t * headDim + d]!;
          return dot / Math.sqrt(headDim);
        });
        const top = Math.max(...s), e = s.map((x) => Math.exp(x - top)), total = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < headDim; d++) {
          let acc = 0;
          for (let t = 0; t < T; t++) acc += (e[t]! / total) * v.values[head + t * headDim + d]!;
          expected[m * qDim + h * headDim + d] = acc;
        }
      }
      expect(worstError(readF32(arena, out, M * qDim), expected, 2e-6, 2e-6)).toBeLessThanOrEqual(1);
      expect(worstError(readF32(arena, out, M * qDim), readF32(arena, outTs, M * qDim), 2e-6, 2e-6)).toBeLessThanOrEqual(1);
      // Split by heads (as parallel workers do, cutting through a KV head's group) the result is bitwise the same,
      // using only attentionBlock scratch floats.
      const split = arena.alloc(M * qDim * 4), scratch = arena.alloc(wasm.attentionBlock * 4), cut = Math.ceil(nHeads / 2) + 1;
      for (const [h0, h1] of [[0, 1], [1, cut], [cut, nHeads]]) wasm.attentionHeads(split, q.ptr, k.ptr, v.ptr, scratch, M, pos0, nHeads, nKvHeads, headDim, ctx, h0!, h1!);
      expect(readF32(arena, split, M * qDim)).toEqual(readF32(arena, out, M * qDim));
      // Row by row (decode's path: heads share a pass instead of rows) and cut between rows, bitwise the same too.
      const byRow = arena.alloc(M * qDim * 4), rowCut = Math.floor(M / 2);
      for (let m = 0; m < M; m++) wasm.attention(byRow + m * qDim * 4, q.ptr + m * qDim * 4, k.ptr, v.ptr, scratch, 1, pos0 + m, nHeads, nKvHeads, headDim, ctx);
      expect(readF32(arena, byRow, M * qDim)).toEqual(readF32(arena, out, M * qDim));
      const byRows = arena.alloc(M * qDim * 4);
      for (const [m0, m1] of [[0, rowCut], [rowCut, M]]) {
        wasm.attention(byRows + m0! * qDim * 4, q.ptr + m0! * qDim * 4, k.ptr, v.ptr, scratch, m1! - m0!, pos0 + m0!, nHeads, nKvHeads, headDim, ctx);
      }
      expect(readF32(arena, byRows, M * qDim)).toEqual(readF32(arena, out, M * qDim));
    });
  }

  it('storeKvF16 writes rows pos0.. of every KV head, like the TS oracle', () => {
    const random = seededRandom(7), M = 3, pos0 = 2, nKvHeads = 3, headDim = 20, ctx = 8; // 20: an 8-lane body and a tail
    const x = tensor(M * nKvHeads * headDim, random, 3);
    const cache = arena.alloc(nKvHeads * ctx * headDim * 2), cacheTs = arena.alloc(nKvHeads * ctx * headDim * 2);
    arena.u16.fill(0xabcd, cache >> 1, (cache >> 1) + nKvHeads * ctx * headDim);
    arena.u16.fill(0xabcd, cacheTs >> 1, (cacheTs >> 1) + nKvHeads * ctx * headDim);
    wasm.storeKvF16(cache, x.ptr, M, pos0, nKvHeads, headDim, ctx);
    ts.storeKvF16(cacheTs, x.ptr, M, pos0, nKvHeads, headDim, ctx);
    const got = arena.u16.slice(cache >> 1, (cache >> 1) + nKvHeads * ctx * headDim);
    expect(got).toEqual(arena.u16.slice(cacheTs >> 1, (cacheTs >> 1) + nKvHeads * ctx * headDim));
    for (let g = 0; g < nKvHeads; g++) for (let p = 0; p < ctx; p++) for (let d = 0; d < headDim; d++) {
      const m = p - pos0, want = m >= 0 && m < M ? f32ToF16(x.values[(m * nKvHeads + g) * headDim + d]!) : 0xabcd;
      if (got[(g * ctx + p) * headDim + d] !== want) expect.fail(`head ${g} position ${p} dim ${d}`);
    }
  });

  it('storeKvF16 rounds f32 to binary16 exactly like a float64 reference: ties, subnormals, overflow, NaN', () => {
    const random = seededRandom(16);
    const inputs: number[] = [];
    // Every finite half, the midpoint to the next one (a tie) and the f32 neighbours of that midpoint, both signs.
    for (let h = 0; h < 0x7c00; h++) {
      const value = f16ToF32(h), next = h === 0x7bff ? 2 ** 16 : f16ToF32(h + 1), mid = (value + next) / 2; // 65520 ties to inf
      for (const x of [value, mid, nextF32(mid, -1), nextF32(mid, 1)]) inputs.push(x, -x);
    }
    inputs.push(65504, 65519.99, 65520, 1e10, Infinity, -Infinity, 2 ** -149, 2 ** -126, -(2 ** -25), 2 ** -25 * 1.0001);
    const bits = new Uint32Array(1), asFloat = new Float32Array(bits.buffer);
    for (let i = 0; i < 100_000; i++) { bits[0] = Math.floor(random() * 2 ** 32); if (!Number.isNaN(asFloat[0])) inputs.push(asFloat[0]!); }
    const n = inputs.length + 5; // not a multiple of 8: the scalar tail runs too
    const src = arena.alloc(n * 4), dst = arena.alloc(n * 2), dstTs = arena.alloc(n * 2);
    arena.f32.set(inputs, src >> 2);
    arena.f32.set([NaN, -NaN, 1.5, -3, 7e-6], (src >> 2) + inputs.length);
    arena.i32[(src >> 2) + inputs.length + 1] = 0xffc00001 | 0; // a negative NaN with a payload
    wasm.storeKvF16(dst, src, 1, 0, 1, n, 1); // one row of one head: the whole input in order
    ts.storeKvF16(dstTs, src, 1, 0, 1, n, 1);
    const got = arena.u16.subarray(dst >> 1, (dst >> 1) + n), gotTs = arena.u16.subarray(dstTs >> 1, (dstTs >> 1) + n);
    const mismatches = inputs.map((x, i) => [x, halfBitsReference(x), got[i]!, gotTs[i]!]).filter(([, e, w, t]) => w !== e || t !== e);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(Array.from(got.subarray(inputs.length))).toEqual([0x7e00, 0xfe00, 0x3e00, 0xc200, halfBitsReference(Math.fround(7e-6))]);
    expect(Array.from(gotTs.subarray(inputs.length), (h) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0)).toEqual([true, true, false, false, false]);
  });

  it('siluMul on n=37 with large gates matches float64 within 2e-6 relative (exp saturates cleanly)', () => {
    const random = seededRandom(21), n = 37;
    const gate = tensor(n, random, 30), up = tensor(n, random, 3);
    arena.f32[gate.ptr >> 2] = -200; arena.f32[(gate.ptr >> 2) + 1] = 200; // exp overflow and underflow
    const g = readF32(arena, gate.ptr, n), out = arena.alloc(n * 4), outTs = arena.alloc(n * 4);
    wasm.siluMul(out, gate.ptr, up.ptr, n);
    ts.siluMul(outTs, gate.ptr, up.ptr, n);
    const expected = Array.from(g, (x, i) => (x / (1 + Math.exp(-x))) * up.values[i]!);
    expect(worstError(readF32(arena, out, n), expected, 1e-30, 2e-6)).toBeLessThanOrEqual(1);
    expect(worstError(readF32(arena, out, n), readF32(arena, outTs, n), 1e-30, 2e-6)).toBeLessThanOrEqual(1);
  });

  it('add, addBias and the embeddings are exact', () => {
    const random = seededRandom(5), n = 23, M = 3, D = 64, V = 5;
    const a = tensor(n, random), b = tensor(n, random), out = arena.alloc(n * 4);
    wasm.add(out, a.ptr, b.ptr, n);
    expect(readF32(arena, out, n)).toEqual(Float64Array.from(a.values, (x, i) => Math.fround(x + b.values[i]!)));

    const x = tensor(M * 7, random), bias = tensor(7, random);
    wasm.addBias(x.ptr, bias.ptr, M, 7);
    expect(readF32(arena, x.ptr, M * 7)).toEqual(Float64Array.from(x.values, (v, i) => Math.fround(v + bias.values[i % 7]!)));

    const ids = arena.alloc(M * 4);
    arena.i32.set([4, 0, 4], ids >> 2);
    const w = arena.alloc(V * D), ws = arena.alloc(V * D / 16);
    for (let i = 0; i < V * D; i++) arena.i8[w + i] = Math.round(random() * 254) - 127;
    for (let i = 0; i < V * D / 32; i++) arena.u16[(ws >> 1) + i] = f32ToF16(random() * 2 - 1); // binary16 scales
    const q = arena.alloc(M * D * 4), qTs = arena.alloc(M * D * 4);
    wasm.embedQ8(q, ids, w, ws, M, D);
    ts.embedQ8(qTs, ids, w, ws, M, D);
    expect(readF32(arena, q, M * D)).toEqual(readF32(arena, qTs, M * D));
    expect(arena.f32[(q >> 2) + D + 33]).toBe(Math.fround(arena.i8[w + 33]! * f16ToF32(arena.u16[(ws >> 1) + 1]!)));

    const table = tensor(V * D, random), rows = arena.alloc(M * D * 4);
    wasm.embedF32(rows, ids, table.ptr, M, D);
    expect(readF32(arena, rows, M * D)).toEqual(Float64Array.from([...table.values.subarray(4 * D, 5 * D), ...table.values.subarray(0, D), ...table.values.subarray(4 * D, 5 * D)]));
  });

  it('argmax returns the first of tied maxima', () => {
    const x = arena.alloc(9 * 4);
    arena.f32.set([1, 3, -2, 7, 0, 7, 7, -9, 6], x >> 2);
    expect(wasm.argmax(x, 9)).toBe(3);
    expect(wasm.argmax(x, 3)).toBe(1);
  });
});

/** The f32 adjacent to x (exactly representable in f32) in direction dir. */
function nextF32(x: number, dir: 1 | -1): number {
  const f = new Float32Array([x]), u = new Uint32Array(f.buffer);
  u[0] = x === 0 ? (dir > 0 ? 1 : 0x80000001) : u[0]! + ((x > 0) === (dir > 0) ? 1 : -1);
  return f[0]!;
}

/** binary16 bits nearest to finite-or-infinite x, ties to even, computed in float64 from the definition. */
function halfBitsReference(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // at or past the midpoint between 65504 and 2^16
  if (a === 0) return sign;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const units = a / 2 ** (e - 10); // in ulps of the half's binade (subnormals share binade -14); exact in float64
  let r = Math.floor(units);
  const frac = units - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  return sign | (((e + 15) << 10) + r - 1024); // r = 2048 carries into the next exponent
}
