// Native block-format kernels (Q4_0, Q4_K, Q5_K, Q6_K against int8 activations) on every instruction-set path this
// CPU runs. Tolerances: quantizeRowsQ8K must match the TS oracle byte for byte; matmuls within 1e-6 of the output's
// largest magnitude of the TS oracle (the same integer sums, one f32 expression per block against the oracle's f64
// accumulation). The K-quant matmuls must also equal the WASM kernels bit for bit (the same float expression in the
// same order), and every path must give the same bits whatever the worker split or the number of activation rows.
import { beforeAll, describe, expect, it } from 'vitest';
import { createNativeKernels, nativeKernelsStatus } from '../../../src/main/lpu/kernels/native';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import { BLOCK_FORMATS, Q8K_BLOCK_BYTES, QK_K, type BlockFormat, type KernelSet } from '../../../src/main/lpu/kernels/abi';
import { f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import { quantizeQ4_0, quantizeQ4K, quantizeQ5K, quantizeQ6K } from '../../../src/main/lpu/loader/ggml-quantize';
import { createWasmKernels, type WasmKernelSet } from '../../../src/main/lpu/kernels/wasm';
import { createTestArena, fillF32, readF32, seededRandom, type TestArena } from '../lpu-wasm/arena';

const status = nativeKernelsStatus();
let arena: TestArena, u8: Uint8Array, ts: KernelSet, wasm: WasmKernelSet;
const sets = new Map<string, WasmKernelSet>();
beforeAll(() => {
  if (!status.available) throw new Error(`native kernels missing: ${status.reason}; run npm run build:native`);
  arena = createTestArena(2048); // bump-allocated across every test of the file (the K = 8960 shapes need most)
  u8 = new Uint8Array(arena.memory.buffer);
  ts = createTsKernels(arena.memory);
  wasm = createWasmKernels(arena.memory, 'simd');
  for (const path of status.paths) sets.set(path, createNativeKernels(arena.memory, wasm, path));
});

const ENCODERS: Record<BlockFormat, (x: Float32Array, out: Uint8Array, at: number) => void> = {
  q4_0: quantizeQ4_0, q4_k: quantizeQ4K, q5_k: quantizeQ5K, q6_k: quantizeQ6K,
};
// Where each format keeps its binary16 scales: d (and dmin for Q4_K/Q5_K).
const HALF_FIELDS: Record<BlockFormat, number[]> = { q4_0: [0], q4_k: [0, 2], q5_k: [0, 2], q6_k: [208] };
// Zero, the smallest subnormal, the largest finite value and negatives: scales a real file may hold.
const EDGE_HALVES = [0x0000, 0x0001, 0x7bff, 0x8001, 0xbc00];

/**
 * W[N, K] in `format` at an odd arena address (shard pointers need not be aligned): most rows encoded from random
 * floats by the ggml reference quantizers, every fifth block raw random bytes with an edge-case scale.
 */
function putWeights(format: BlockFormat, N: number, K: number, random: () => number): number {
  const { blockElems, blockBytes } = BLOCK_FORMATS[format];
  const rowBytes = (K / blockElems) * blockBytes, ptr = arena.alloc(N * rowBytes + 1) + 1;
  for (let n = 0; n < N; n++) {
    const row = Float32Array.from({ length: K }, () => (random() * 2 - 1) * (n % 3 === 0 ? 0.1 : 1));
    ENCODERS[format](row, u8, ptr + n * rowBytes);
  }
  for (let b = 0; b < (N * K) / blockElems; b += 5) {
    const at = ptr + b * blockBytes;
    for (let i = 0; i < blockBytes; i++) u8[at + i] = Math.floor(random() * 256);
    HALF_FIELDS[format].forEach((field, f) => {
      const h = b % 10 === 0 ? EDGE_HALVES[(b / 10 + f) % EDGE_HALVES.length]! : f32ToF16(random() * 0.01);
      u8[at + field] = h & 0xff;
      u8[at + field + 1] = h >> 8;
    });
  }
  return ptr;
}

/** Activations for the format: Q8_K blocks for the K-quants, per-32 rows for Q4_0, quantised by the TS oracle. */
function putActivations(format: BlockFormat, M: number, K: number, random: () => number) {
  const x = arena.alloc(M * K * 4);
  fillF32(arena, x, M * K, random, 2);
  arena.f32[(x >> 2) + 3] = 37; // an outlier sets one block's scale
  if (format === 'q4_0') {
    const xq = arena.alloc(M * K), xs = arena.alloc((M * K) / 8);
    ts.quantizeRowsQ8(xq, xs, x, M, K);
    return { xq, xs, rowBytes: K, scaleBytes: (K / 32) * 4 };
  }
  const y = arena.alloc((M * K / QK_K) * Q8K_BLOCK_BYTES);
  ts.quantizeRowsQ8K(y, x, M, K);
  return { xq: y, xs: 0, rowBytes: (K / QK_K) * Q8K_BLOCK_BYTES, scaleBytes: 0 };
}

function matmul(k: KernelSet, format: BlockFormat, out: number, a: { xq: number; xs: number }, w: number, M: number, K: number, N: number, n0: number, n1: number) {
  if (format === 'q4_0') k.matmulQ4_0(out, a.xq, a.xs, w, M, K, N, n0, n1);
  else (format === 'q4_k' ? k.matmulQ4K : format === 'q5_k' ? k.matmulQ5K : k.matmulQ6K)(out, a.xq, w, M, K, N, n0, n1);
}

// Decode (M = 1), the tiles (M < 8), and the AVX-512 prefill GEMM's 16-row groups: a padded group (M = 9, 13), one
// group, one pair, a pair and a group, a group and a padded one (29), rows left over for the tiles (17, 33), and at
// K = 8960 more groups than one pass keeps in L2 (two passes of 32 rows and one of 16); weight rows not a multiple
// of four; K from one block to FFN-down widths.
const SHAPES = [[1, 256, 13], [1, 512, 64], [2, 512, 9], [3, 768, 21], [5, 256, 37], [9, 512, 8], [17, 256, 12],
  [13, 768, 9], [16, 512, 6], [29, 512, 6], [32, 1280, 11], [48, 256, 7], [64, 2048, 10], [33, 8960, 7], [80, 8960, 5]] as const;

describe.each(status.available ? status.paths : ['(native kernels not built)'])('native %s block kernels', (path) => {
  const k = () => sets.get(path)!;

  it('quantizeRowsQ8K matches the TS oracle byte for byte (zero block, outliers, several rows)', () => {
    const random = seededRandom(3), M = 3, K = 512, x = arena.alloc(M * K * 4);
    fillF32(arena, x, M * K, random, 3);
    arena.f32.fill(0, (x >> 2) + 256, (x >> 2) + 512); // a zero block: d = 0, quants and sums 0
    arena.f32[(x >> 2) + 700] = -90;
    arena.f32[(x >> 2) + 1100] = 1e-30;
    const bytes = (M * K / QK_K) * Q8K_BLOCK_BYTES, y = arena.alloc(bytes), yTs = arena.alloc(bytes);
    k().quantizeRowsQ8K(y, x, M, K);
    ts.quantizeRowsQ8K(yTs, x, M, K);
    expect(u8.slice(y, y + bytes)).toEqual(u8.slice(yTs, yTs + bytes));
  });

  for (const format of ['q4_0', 'q4_k', 'q5_k', 'q6_k'] as const) {
    for (const [M, K, N] of SHAPES) {
      it(`${format} M=${M} K=${K} N=${N}: TS oracle within 1e-6 of max|out|, split and row-count invariant`, () => {
        const random = seededRandom(M * 7919 + K + N);
        const w = putWeights(format, N, K, random), act = putActivations(format, M, K, random);
        const out = arena.alloc(M * N * 4), outTs = arena.alloc(M * N * 4);
        arena.f32.fill(7, out >> 2, (out >> 2) + M * N);
        matmul(k(), format, out, act, w, M, K, N, 1, N); // column 0 is left alone
        matmul(ts, format, outTs, act, w, M, K, N, 0, N);
        const got = readF32(arena, out, M * N), want = readF32(arena, outTs, M * N);
        let largest = 0;
        for (let i = 0; i < M * N; i++) if (i % N !== 0) largest = Math.max(largest, Math.abs(want[i]!));
        expect(largest).toBeGreaterThan(0);
        for (let m = 0; m < M; m++) {
          expect(got[m * N]).toBe(7);
          for (let n = 1; n < N; n++) expect(Math.abs(got[m * N + n]! - want[m * N + n]!)).toBeLessThanOrEqual(1e-6 * largest);
        }
        // the workers' shares (a cut that is not a multiple of four), and one activation row at a time: same bits
        const full = arena.alloc(M * N * 4), split = arena.alloc(M * N * 4), byRow = arena.alloc(M * N * 4);
        matmul(k(), format, full, act, w, M, K, N, 0, N);
        const cut = Math.max(1, Math.floor(N / 3) + 1);
        matmul(k(), format, split, act, w, M, K, N, 0, cut);
        matmul(k(), format, split, act, w, M, K, N, cut, N);
        for (let m = 0; m < M; m++) {
          const row = { xq: act.xq + m * act.rowBytes, xs: act.xs + m * act.scaleBytes };
          matmul(k(), format, byRow + m * N * 4, row, w, 1, K, N, 0, N);
        }
        expect(readF32(arena, split, M * N)).toEqual(readF32(arena, full, M * N));
        expect(readF32(arena, byRow, M * N)).toEqual(readF32(arena, full, M * N));
        if (format !== 'q4_0') { // Q4_0's WASM kernel sums blocks in four lanes, so only the K-quants are bitwise equal
          const outWasm = arena.alloc(M * N * 4);
          matmul(wasm, format, outWasm, act, w, M, K, N, 0, N);
          expect(readF32(arena, full, M * N)).toEqual(readF32(arena, outWasm, M * N));
        }
        if (path !== status.paths.at(-1)) { // and the portable path's bits
          const portable = arena.alloc(M * N * 4);
          matmul(sets.get('generic')!, format, portable, act, w, M, K, N, 0, N);
          expect(readF32(arena, full, M * N)).toEqual(readF32(arena, portable, M * N));
        }
      });
    }
  }

  // Every M from 1 to 80 through the prefill GEMMs (AVX-512: groups of 16; AVX2 and AVX-VNNI: groups of 8; a last
  // group padded when at least half full, the rest through the tiles), odd N, K up to FFN-down width: the WASM bits.
  for (const format of ['q4_k', 'q5_k', 'q6_k'] as const) {
    for (const [K, N] of [[512, 9], [8960, 5]] as const) {
      it(`${format} M=1..80 K=${K} N=${N}: bit for bit the WASM kernel at every row count`, () => {
        const random = seededRandom(K * 13 + N), maxM = 80;
        const w = putWeights(format, N, K, random), act = putActivations(format, maxM, K, random);
        const out = arena.alloc(maxM * N * 4), outWasm = arena.alloc(maxM * N * 4);
        for (let M = 1; M <= maxM; M++) {
          matmul(k(), format, out, act, w, M, K, N, 0, N);
          matmul(wasm, format, outWasm, act, w, M, K, N, 0, N);
          const got = readF32(arena, out, M * N);
          expect(got.some((v) => v !== 0)).toBe(true);
          expect(got, `M=${M}`).toEqual(readF32(arena, outWasm, M * N));
        }
      });
    }
  }

  // Q4_0 at every M from 1 to 80 (AVX-512: the 16-lane GEMM from four rows on), odd N: the portable path's bits.
  for (const [K, N] of [[512, 9], [8960, 5]] as const) {
    it(`q4_0 M=1..80 K=${K} N=${N}: bit for bit the portable path at every row count`, () => {
      const random = seededRandom(K * 17 + N), maxM = 80;
      const w = putWeights('q4_0', N, K, random), act = putActivations('q4_0', maxM, K, random);
      const out = arena.alloc(maxM * N * 4), portable = arena.alloc(maxM * N * 4);
      for (let M = 1; M <= maxM; M++) {
        matmul(k(), 'q4_0', out, act, w, M, K, N, 0, N);
        matmul(sets.get('generic')!, 'q4_0', portable, act, w, M, K, N, 0, N);
        const got = readF32(arena, out, M * N);
        expect(got.some((v) => v !== 0)).toBe(true);
        expect(got, `M=${M}`).toEqual(readF32(arena, portable, M * N));
      }
    });
  }

  // Largest quants against ±127 activations everywhere: the int16 partial sums of the 256-bit GEMM at their bounds.
  it('K-quants with every quant at its largest against activations of ±127: the WASM bits (no int16 overflow)', () => {
    const K = 512, N = 5;
    for (const format of ['q4_k', 'q5_k', 'q6_k'] as const) {
      const { blockBytes } = BLOCK_FORMATS[format], w = arena.alloc(N * (K / QK_K) * blockBytes);
      u8.fill(0xff, w, w + N * (K / QK_K) * blockBytes);
      for (let b = 0; b < (N * K) / QK_K; b++)
        for (const field of HALF_FIELDS[format]) { const h = f32ToF16(0.01); u8[w + b * blockBytes + field] = h & 0xff; u8[w + b * blockBytes + field + 1] = h >> 8; }
      for (const sign of [1, -1]) {
        const M = 32, x = arena.alloc(M * K * 4), y = arena.alloc((M * K / QK_K) * Q8K_BLOCK_BYTES);
        arena.f32.fill(2 * sign, x >> 2, (x >> 2) + M * K);
        ts.quantizeRowsQ8K(y, x, M, K);
        for (const rows of [5, 8, 16, 32]) {
          const out = arena.alloc(rows * N * 4), outWasm = arena.alloc(rows * N * 4);
          matmul(k(), format, out, { xq: y, xs: 0 }, w, rows, K, N, 0, N);
          matmul(wasm, format, outWasm, { xq: y, xs: 0 }, w, rows, K, N, 0, N);
          expect(readF32(arena, out, rows * N), `${format} ${sign} M=${rows}`).toEqual(readF32(arena, outWasm, rows * N));
        }
      }
    }
  });

  it('refuses weight rows or activations outside the arena, and a K that is not whole blocks', () => {
    const end = arena.memory.buffer.byteLength;
    expect(() => k().matmulQ4K(64, 64, end - 144 * 2, 1, 256, 4, 0, 4)).toThrow(/outside the arena/);
    expect(() => k().matmulQ6K(64, end - 100, 64, 1, 256, 4, 0, 4)).toThrow(/outside the arena/);
    expect(() => k().matmulQ4_0(64, 64, 64, end - 18, 1, 32, 4, 0, 4)).toThrow(/outside the arena/);
    expect(() => k().quantizeRowsQ8K(64, 64, 1, 300)).toThrow(/multiple of 256/);
    expect(() => k().matmulQ5K(64, 64, 64, 1, 300, 4, 0, 4)).toThrow(/bad shape/);
  });
});
