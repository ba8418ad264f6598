// WASM norm, RoPE, attention and elementwise kernels vs float64 references and the TS oracle, on odd shapes.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, wasmKernelsBuilt, type WasmKernelSet } from '../../../src/main/lpu/kernels/wasm';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
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

  // GQA with 2 query heads per KV head; headDim 20 exercises the 16-lane body and the scalar tail.
  // pos0=290 spans three 128-key softmax blocks (the online rescaling path).
  for (const { M, pos0, headDim } of [{ M: 1, pos0: 6, headDim: 64 }, { M: 3, pos0: 4, headDim: 20 }, { M: 2, pos0: 0, headDim: 8 }, { M: 2, pos0: 290, headDim: 64 }]) {
    it(`attention M=${M} pos0=${pos0} headDim=${headDim} matches float64 and TS (2e-6)`, () => {
      const random = seededRandom(M * 100 + headDim), nHeads = 4, nKvHeads = 2, ctx = pos0 + M;
      const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
      const q = tensor(M * qDim, random, 2), k = tensor(ctx * kvDim, random, 2), v = tensor(ctx * kvDim, random);
      const scores = arena.alloc(ctx * 4), out = arena.alloc(M * qDim * 4), outTs = arena.alloc(M * qDim * 4);
      wasm.attention(out, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKvHeads, headDim);
      ts.attention(outTs, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKvHeads, headDim);
      const expected = new Float64Array(M * qDim);
      for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) {
        const kv = Math.floor(h / (nHeads / nKvHeads)) * headDim, T = pos0 + m + 1;
        const s = Array.from({ length: T }, (_, t) => {
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q.values[m * qDim + h * headDim + d]! * k.values[t * kvDim + kv + d]!;
          return dot / Math.sqrt(headDim);
        });
        const top = Math.max(...s), e = s.map((x) => Math.exp(x - top)), total = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < headDim; d++) {
          let acc = 0;
          for (let t = 0; t < T; t++) acc += (e[t]! / total) * v.values[t * kvDim + kv + d]!;
          expected[m * qDim + h * headDim + d] = acc;
        }
      }
      expect(worstError(readF32(arena, out, M * qDim), expected, 2e-6, 2e-6)).toBeLessThanOrEqual(1);
      expect(worstError(readF32(arena, out, M * qDim), readF32(arena, outTs, M * qDim), 2e-6, 2e-6)).toBeLessThanOrEqual(1);
      // Split by heads (as parallel workers do) the result is bitwise the same, using only attentionBlock scratch floats.
      const split = arena.alloc(M * qDim * 4), scratch = arena.alloc(wasm.attentionBlock * 4);
      wasm.attentionHeads(split, q.ptr, k.ptr, v.ptr, scratch, M, pos0, nHeads, nKvHeads, headDim, 0, 1);
      wasm.attentionHeads(split, q.ptr, k.ptr, v.ptr, scratch, M, pos0, nHeads, nKvHeads, headDim, 1, nHeads);
      expect(readF32(arena, split, M * qDim)).toEqual(readF32(arena, out, M * qDim));
    });
  }

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
    const w = arena.alloc(V * D), ws = arena.alloc(V * D / 8);
    for (let i = 0; i < V * D; i++) arena.i8[w + i] = Math.round(random() * 254) - 127;
    fillF32(arena, ws, V * D / 32, random);
    const q = arena.alloc(M * D * 4), qTs = arena.alloc(M * D * 4);
    wasm.embedQ8(q, ids, w, ws, M, D);
    ts.embedQ8(qTs, ids, w, ws, M, D);
    expect(readF32(arena, q, M * D)).toEqual(readF32(arena, qTs, M * D));
    expect(arena.f32[(q >> 2) + D + 33]).toBe(Math.fround(arena.i8[w + 33]! * arena.f32[(ws >> 2) + 1]!));

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
