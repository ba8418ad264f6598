// The relaxed-SIMD WebAssembly build against the plain SIMD build: identical results bit for bit (the prefill tile's
// group sums are exact either way), on weights that include -128 and activations at ±127.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, wasmKernelsBuilt, wasmVariant } from '../../../src/main/lpu/kernels/wasm';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
import { f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import { createTestArena, fillF32, readF32, seededRandom, type TestArena } from './arena';

let arena: TestArena, simd: KernelSet, relaxed: KernelSet;
beforeAll(() => {
  if (!wasmKernelsBuilt()) throw new Error('WASM kernels missing: run npm run build:wasm');
  arena = createTestArena(128);
  simd = createWasmKernels(arena.memory, 'simd');
  relaxed = createWasmKernels(arena.memory, 'relaxed-simd'); // validates, setting Node 20's V8 flag if needed
});

describe('relaxed-SIMD WASM kernels', () => {
  it('are named for their build, and the default build is one of the two', () => {
    expect(relaxed.name).toBe('wasm-relaxed-simd');
    expect(simd.name).toBe('wasm-simd');
    expect(['simd', 'relaxed-simd']).toContain(wasmVariant());
  });

  for (const [M, K, N] of [[4, 32, 6], [8, 96, 13], [17, 576, 20], [32, 128, 9]] as const) {
    it(`matmulQ8 M=${M} K=${K} N=${N} equals the SIMD build bit for bit`, () => {
      const random = seededRandom(M + K + N), G = K / 32;
      const x = arena.alloc(M * K * 4), xq = arena.alloc(M * K), xs = arena.alloc(M * G * 4);
      fillF32(arena, x, M * K, random, 4);
      simd.quantizeRowsQ8(xq, xs, x, M, K);
      const w = arena.alloc(N * K), ws = arena.alloc(N * G * 2);
      for (let i = 0; i < N * K; i++) arena.i8[w + i] = i % 7 === 0 ? -128 : Math.floor(random() * 256) - 128;
      for (let i = 0; i < N * G; i++) arena.u16[(ws >> 1) + i] = f32ToF16(0.001 + random() * 0.02);
      expect(arena.i8.subarray(xq, xq + M * K)).toContain(127); // the group maxima quantise to ±127
      const a = arena.alloc(M * N * 4), b = arena.alloc(M * N * 4);
      simd.matmulQ8(a, xq, xs, w, ws, M, K, N, 0, N);
      relaxed.matmulQ8(b, xq, xs, w, ws, M, K, N, 0, N);
      expect(readF32(arena, b, M * N)).toEqual(readF32(arena, a, M * N));
    });
  }
});
