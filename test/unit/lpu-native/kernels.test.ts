// Native kernels, every instruction-set path this CPU runs, against the TS oracle and float64 references.
// Tolerances: quantisation and f16 conversions must match the oracle exactly; the INT8 matmul within 1e-6 of the
// summed magnitudes (the oracle accumulates in f64, native in f32); float kernels 2e-6 (attention 1e-5: its
// exp polynomial is within 2e-7 relative). Every native path must give the INT8 matmul bit for bit the same results.
import { beforeAll, describe, expect, it } from 'vitest';
import { createNativeKernels, nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import { f16ToF32, f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
import { createWasmKernels, type WasmKernelSet } from '../../../src/main/lpu/kernels/wasm';
import { createTestArena, fillF32, readF32, seededRandom, worstError, type TestArena } from '../lpu-wasm/arena';

const status = nativeKernelsStatus();
let arena: TestArena, ts: KernelSet, wasm: WasmKernelSet;
const sets = new Map<string, WasmKernelSet>();
beforeAll(() => {
  if (!status.available) throw new Error(`native kernels missing: ${status.reason}; run npm run build:native`);
  arena = createTestArena(256);
  ts = createTsKernels(arena.memory);
  wasm = createWasmKernels(arena.memory, 'simd');
  for (const path of status.paths) sets.set(path, createNativeKernels(arena.memory, wasm, path)); // as in production
});

const tensor = (n: number, random: () => number, scale = 1) => { const ptr = arena.alloc(n * 4); fillF32(arena, ptr, n, random, scale); return ptr; };
const f16Tensor = (n: number, random: () => number, scale = 1) => {
  const ptr = arena.alloc(n * 2);
  for (let i = 0; i < n; i++) arena.u16[(ptr >> 1) + i] = f32ToF16((random() * 2 - 1) * scale);
  return ptr;
};
function q8Weights(N: number, K: number, random: () => number) {
  const w = arena.alloc(N * K), ws = arena.alloc((N * K) / 16);
  for (let i = 0; i < N * K; i++) arena.i8[w + i] = Math.round(random() * 255) - 128; // -128 included: the VNNI bias must stay exact
  for (let i = 0; i < (N * K) / 32; i++) arena.u16[(ws >> 1) + i] = f32ToF16(0.001 + random() * 0.02);
  return { w, ws };
}

describe.each(status.available ? status.paths : ['(native kernels not built)'])('native %s', (path) => {
  const k = () => sets.get(path)!;

  it('quantizeRowsQ8 matches the TS oracle byte for byte', () => {
    const random = seededRandom(1), M = 3, K = 96, x = tensor(M * K, random, 3);
    for (let i = 32; i < 64; i++) arena.f32[(x >> 2) + i] = 0; // a zero group: scale 0, quants 0
    const q = arena.alloc(M * K), s = arena.alloc(M * K / 8), tq = arena.alloc(M * K), tsq = arena.alloc(M * K / 8);
    k().quantizeRowsQ8(q, s, x, M, K);
    ts.quantizeRowsQ8(tq, tsq, x, M, K);
    expect(arena.i8.slice(q, q + M * K)).toEqual(arena.i8.slice(tq, tq + M * K));
    expect(readF32(arena, s, M * K / 32)).toEqual(readF32(arena, tsq, M * K / 32));
  });

  for (const [M, K, N] of [[1, 32, 9], [2, 96, 37], [3, 576, 16], [4, 64, 5], [5, 160, 41], [17, 96, 23], [33, 128, 38], [40, 64, 7]] as const) {
    it(`matmulQ8 M=${M} K=${K} N=${N}: TS oracle within 1e-6, split and row-count invariant, equal on every path`, () => {
      const random = seededRandom(M * 1000 + K + N);
      const x = tensor(M * K, random, 2), xq = arena.alloc(M * K), xs = arena.alloc(M * K / 8);
      ts.quantizeRowsQ8(xq, xs, x, M, K);
      const { w, ws } = q8Weights(N, K, random);
      const out = arena.alloc(M * N * 4), outTs = arena.alloc(M * N * 4);
      arena.f32.fill(7, out >> 2, (out >> 2) + M * N);
      k().matmulQ8(out, xq, xs, w, ws, M, K, N, 1, N); // column 0 is left alone
      ts.matmulQ8(outTs, xq, xs, w, ws, M, K, N, 0, N);
      const got = readF32(arena, out, M * N), want = readF32(arena, outTs, M * N), G = K / 32;
      for (let m = 0; m < M; m++) {
        expect(got[m * N]).toBe(7);
        for (let n = 1; n < N; n++) {
          let magnitude = 0;
          for (let g = 0; g < G; g++) {
            let dot = 0;
            for (let j = 0; j < 32; j++) dot += arena.i8[xq + m * K + g * 32 + j]! * arena.i8[w + n * K + g * 32 + j]!;
            magnitude += Math.abs(dot * arena.f32[(xs >> 2) + m * G + g]! * f16ToF32(arena.u16[(ws >> 1) + n * G + g]!));
          }
          expect(Math.abs(got[m * N + n]! - want[m * N + n]!)).toBeLessThanOrEqual(1e-6 * magnitude + 1e-30);
        }
      }
      // cut into worker shares, and row by row (decode's kernel), the result is bitwise the same
      const split = arena.alloc(M * N * 4), cut = Math.max(1, Math.floor(N / 3));
      k().matmulQ8(split, xq, xs, w, ws, M, K, N, 0, cut);
      k().matmulQ8(split, xq, xs, w, ws, M, K, N, cut, N);
      const byRow = arena.alloc(M * N * 4);
      for (let m = 0; m < M; m++) k().matmulQ8(byRow + m * N * 4, xq + m * K, xs + m * G * 4, w, ws, 1, K, N, 0, N);
      const full = arena.alloc(M * N * 4);
      k().matmulQ8(full, xq, xs, w, ws, M, K, N, 0, N);
      expect(readF32(arena, split, M * N)).toEqual(readF32(arena, full, M * N));
      expect(readF32(arena, byRow, M * N)).toEqual(readF32(arena, full, M * N));
      const generic = arena.alloc(M * N * 4);
      sets.get('generic')!.matmulQ8(generic, xq, xs, w, ws, M, K, N, 0, N);
      expect(readF32(arena, full, M * N)).toEqual(readF32(arena, generic, M * N));
    });
  }

  // The AVX-512 prefill GEMM (16-row blocks in lanes, a last block padded, several L2 passes at K = 8960) and the
  // decode and small-M kernels, every M from 1 to 80: the same bits as the portable path (the WASM kernel sums in
  // another order; the oracle test above bounds both), also when the worker cut leaves weight tiles of one to three rows.
  for (const [K, N] of [[64, 37], [576, 13], [8960, 7]] as const) {
    it(`matmulQ8 M=1..80 K=${K} N=${N}: bit for bit the portable path, whatever the split`, () => {
      const random = seededRandom(K * 31 + N), maxM = 80, G = K / 32;
      const x = tensor(maxM * K, random, 2), xq = arena.alloc(maxM * K), xs = arena.alloc(maxM * G * 4);
      ts.quantizeRowsQ8(xq, xs, x, maxM, K);
      const { w, ws } = q8Weights(N, K, random);
      const full = arena.alloc(maxM * N * 4), split = arena.alloc(maxM * N * 4), portable = arena.alloc(maxM * N * 4);
      for (let M = 1; M <= maxM; M++) {
        k().matmulQ8(full, xq, xs, w, ws, M, K, N, 0, N);
        k().matmulQ8(split, xq, xs, w, ws, M, K, N, 0, 2);
        k().matmulQ8(split, xq, xs, w, ws, M, K, N, 2, N);
        sets.get('generic')!.matmulQ8(portable, xq, xs, w, ws, M, K, N, 0, N);
        const got = readF32(arena, full, M * N);
        expect(got.some((v) => v !== 0)).toBe(true);
        expect(got, `M=${M}`).toEqual(readF32(arena, portable, M * N));
        expect(readF32(arena, split, M * N), `M=${M} (split)`).toEqual(got);
      }
    });
  }

  for (const [M, K, N] of [[1, 40, 9], [5, 96, 13]] as const) {
    it(`matmulF32 and matmulF16 M=${M} K=${K} N=${N} match the TS oracle (2e-6 of Σ|x·w|)`, () => {
      const random = seededRandom(K + N), x = tensor(M * K, random), w = tensor(N * K, random), wh = f16Tensor(N * K, random);
      for (const [name, weights] of [['matmulF32', w], ['matmulF16', wh]] as const) {
        const out = arena.alloc(M * N * 4), outTs = arena.alloc(M * N * 4);
        k()[name](out, x, weights, M, K, N, 2, N);
        ts[name](outTs, x, weights, M, K, N, 2, N);
        const got = readF32(arena, out, M * N).filter((_, i) => i % N >= 2), want = readF32(arena, outTs, M * N).filter((_, i) => i % N >= 2);
        expect(worstError(got, want, 2e-6 * K, 2e-6)).toBeLessThanOrEqual(1);
      }
    });
  }

  it('rmsnorm, rope, siluMul, add and addBias match the TS oracle (2e-6)', () => {
    const random = seededRandom(5), M = 3, D = 40, nHeads = 2, headDim = 20, pos0 = 3;
    const x = tensor(M * D, random, 3), weight = tensor(D, random), out = arena.alloc(M * D * 4), outTs = arena.alloc(M * D * 4);
    k().rmsnorm(out, x, weight, M, D, 1e-5);
    ts.rmsnorm(outTs, x, weight, M, D, 1e-5);
    expect(worstError(readF32(arena, out, M * D), readF32(arena, outTs, M * D), 2e-6, 2e-6)).toBeLessThanOrEqual(1);
    const table = tensor((pos0 + M) * headDim, random), r = tensor(M * nHeads * headDim, random), rTs = arena.alloc(M * D * 4);
    arena.f32.copyWithin(rTs >> 2, r >> 2, (r >> 2) + M * D);
    k().rope(r, table, M, nHeads, headDim, pos0);
    ts.rope(rTs, table, M, nHeads, headDim, pos0);
    expect(worstError(readF32(arena, r, M * D), readF32(arena, rTs, M * D), 2e-6, 2e-6)).toBeLessThanOrEqual(1);
    const n = 53, gate = tensor(n, random, 12), up = tensor(n, random), s = arena.alloc(n * 4), sTs = arena.alloc(n * 4);
    k().siluMul(s, gate, up, n);
    ts.siluMul(sTs, gate, up, n);
    expect(worstError(readF32(arena, s, n), readF32(arena, sTs, n), 2e-6, 2e-6)).toBeLessThanOrEqual(1);
    k().add(s, gate, up, n);
    ts.add(sTs, gate, up, n);
    expect(readF32(arena, s, n)).toEqual(readF32(arena, sTs, n));
    const bias = tensor(D, random), b = tensor(M * D, random), bTs = arena.alloc(M * D * 4);
    arena.f32.copyWithin(bTs >> 2, b >> 2, (b >> 2) + M * D);
    k().addBias(b, bias, M, D);
    ts.addBias(bTs, bias, M, D);
    expect(readF32(arena, b, M * D)).toEqual(readF32(arena, bTs, M * D));
  });

  it('storeKvF16 and embedQ8 match the TS oracle bit for bit', () => {
    const random = seededRandom(9), M = 3, pos0 = 2, nKv = 2, ctx = 8;
    for (const headDim of [32, 20]) {
      const x = tensor(M * nKv * headDim, random, 3), bytes = nKv * ctx * headDim * 2;
      arena.f32[x >> 2] = 1e-6; arena.f32[(x >> 2) + 1] = 70000; arena.f32[(x >> 2) + 2] = -2.98e-8; // subnormal, overflow, tie
      const c = arena.alloc(bytes), cTs = arena.alloc(bytes);
      k().storeKvF16(c, x, M, pos0, nKv, headDim, ctx);
      ts.storeKvF16(cTs, x, M, pos0, nKv, headDim, ctx);
      expect(arena.u16.slice(c >> 1, (c + bytes) >> 1)).toEqual(arena.u16.slice(cTs >> 1, (cTs + bytes) >> 1));
    }
    const V = 10, D = 64, { w, ws } = q8Weights(V, D, random), ids = arena.alloc(12);
    arena.i32.set([3, 0, 9], ids >> 2);
    const e = arena.alloc(3 * D * 4), eTs = arena.alloc(3 * D * 4);
    k().embedQ8(e, ids, w, ws, 3, D);
    ts.embedQ8(eTs, ids, w, ws, 3, D);
    expect(readF32(arena, e, 3 * D)).toEqual(readF32(arena, eTs, 3 * D));
    expect(k().argmax(e, 3 * D)).toBe(ts.argmax(e, 3 * D));
  });

  const cases = [
    { M: 1, pos0: 6, headDim: 64, nHeads: 4, nKvHeads: 2 }, { M: 3, pos0: 4, headDim: 20, nHeads: 4, nKvHeads: 2 },
    { M: 2, pos0: 0, headDim: 8, nHeads: 4, nKvHeads: 2 }, { M: 2, pos0: 290, headDim: 64, nHeads: 4, nKvHeads: 2 },
    { M: 9, pos0: 29, headDim: 20, nHeads: 9, nKvHeads: 3 }, { M: 32, pos0: 61, headDim: 64, nHeads: 9, nKvHeads: 3 },
  ];
  for (const { M, pos0, headDim, nHeads, nKvHeads } of cases) {
    it(`attention M=${M} pos0=${pos0} headDim=${headDim} heads=${nHeads}/${nKvHeads}: TS oracle within 1e-5, split invariant`, () => {
      if (k().attention === wasm.attention) return; // this path runs the WASM attention (tested in lpu-wasm)
      const random = seededRandom(M * 100 + headDim + nHeads), ctx = pos0 + M + 3, qDim = nHeads * headDim;
      const q = tensor(M * qDim, random, 2), kc = f16Tensor(nKvHeads * ctx * headDim, random, 2), vc = f16Tensor(nKvHeads * ctx * headDim, random);
      const scores = arena.alloc(Math.max(ctx, 128) * 4), out = arena.alloc(M * qDim * 4), outTs = arena.alloc(M * qDim * 4);
      k().attention(out, q, kc, vc, scores, M, pos0, nHeads, nKvHeads, headDim, ctx);
      ts.attention(outTs, q, kc, vc, scores, M, pos0, nHeads, nKvHeads, headDim, ctx);
      expect(worstError(readF32(arena, out, M * qDim), readF32(arena, outTs, M * qDim), 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      // cut by heads (through a KV head's group) and by rows, as parallel workers do: bitwise the same
      const split = arena.alloc(M * qDim * 4), cut = Math.ceil(nHeads / 2) + 1, rowCut = Math.floor(M / 2);
      for (const [h0, h1] of [[0, 1], [1, cut], [cut, nHeads]]) k().attentionHeads(split, q, kc, vc, scores, M, pos0, nHeads, nKvHeads, headDim, ctx, h0!, h1!);
      expect(readF32(arena, split, M * qDim)).toEqual(readF32(arena, out, M * qDim));
      const byRows = arena.alloc(M * qDim * 4);
      for (const [m0, m1] of [[0, rowCut], [rowCut, M]]) {
        if (m1! > m0!) k().attention(byRows + m0! * qDim * 4, q + m0! * qDim * 4, kc, vc, scores, m1! - m0!, pos0 + m0!, nHeads, nKvHeads, headDim, ctx);
      }
      expect(readF32(arena, byRows, M * qDim)).toEqual(readF32(arena, out, M * qDim));
    });
  }

  it('refuses a range outside the arena instead of touching it', () => {
    const end = arena.memory.buffer.byteLength;
    expect(() => k().add(end - 8, 64, 64, 4)).toThrow(/outside the arena/);
    expect(() => k().matmulQ8(64, 64, 64, end - 64, 64, 1, 32, 4, 0, 4)).toThrow(/outside the arena/);
  });
});

describe('native kernel selection', () => {
  it('names an unsupported LOCKSTEP_NATIVE_ISA path and the ones that would run', () => {
    expect(() => createNativeKernels(arena.memory, wasm, 'avx9000')).toThrow(/LOCKSTEP_NATIVE_ISA=avx9000 is not a kernel path this CPU can run; choose one of .*generic/);
  });

  it('reports CPU features and lists the portable path last', () => {
    expect(status.paths.at(-1)).toBe('generic');
    if (process.arch === 'x64' && status.paths.includes('avx2')) expect(status.cpuFeatures).toEqual(expect.arrayContaining(['avx2', 'fma', 'f16c']));
  });

  it('takes kernels it does not implement from the fallback set', () => {
    const native = sets.get(status.paths[0]!)!;
    expect(native.geluMul).toBe(wasm.geluMul);
    expect(native.matmulBF16).toBe(wasm.matmulBF16);
    expect(native.embedGgml).toBe(wasm.embedGgml);
    expect(native.matmulQ4K).not.toBe(wasm.matmulQ4K);
    expect(native.matmulQ8).not.toBe(wasm.matmulQ8);
    // x86's portable path leaves attention to WASM (measured faster); AVX2 and AVX-512 run their own
    if (process.arch === 'x64') {
      expect(sets.get('generic')!.attention).toBe(wasm.attention);
      expect(sets.get('generic')!.attentionHeads).toBe(wasm.attentionHeads);
      if (sets.has('avx2')) expect(sets.get('avx2')!.attentionHeads).not.toBe(wasm.attentionHeads);
      if (sets.has('avx512-vnni')) expect(sets.get('avx512-vnni')!.attention).not.toBe(wasm.attention);
    }
  });
});
