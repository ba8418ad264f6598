// The kernels Gemma, Qwen3 and Phi-3 add (GeGLU, scale, soft-cap, windowed attention): TS and WASM vs float64 math.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmKernels, wasmKernelsBuilt } from '../../../src/main/lpu/kernels/wasm';
import { createTsKernels } from '../../../src/main/lpu/kernels/ts';
import type { KernelSet } from '../../../src/main/lpu/kernels/abi';
import { f16ToF32, f32ToF16 } from '../../../src/main/lpu/loader/dequant';
import { createTestArena, fillF32, readF32, seededRandom, worstError, type TestArena } from './arena';

let arena: TestArena;
const sets: Record<string, KernelSet> = {};
beforeAll(() => {
  if (!wasmKernelsBuilt()) throw new Error('WASM kernels missing: run npm run build:wasm');
  arena = createTestArena(256);
  sets.ts = createTsKernels(arena.memory);
  sets.wasm = createWasmKernels(arena.memory);
});

function tensor(n: number, random: () => number, scale = 1) {
  const ptr = arena.alloc(n * 4);
  fillF32(arena, ptr, n, random, scale);
  return { ptr, values: readF32(arena, ptr, n) };
}

const geluRef = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Windowed, soft-capped GQA attention in float64 over decoded f16 caches [kvHeads, ctx, hd], position t at slot t mod ctx. */
function attentionRef(q: Float64Array, k: Float64Array, v: Float64Array, M: number, pos0: number, nHeads: number, nKv: number, hd: number, ctx: number, window: number, scale: number, cap: number): Float64Array {
  const out = new Float64Array(M * nHeads * hd);
  for (let m = 0; m < M; m++) for (let h = 0; h < nHeads; h++) {
    const kv = Math.floor(h / (nHeads / nKv)), last = pos0 + m, first = window ? Math.max(0, last - window + 1) : 0;
    const s: number[] = [];
    for (let t = first; t <= last; t++) {
      let dot = 0;
      for (let d = 0; d < hd; d++) dot += q[(m * nHeads + h) * hd + d]! * k[(kv * ctx + (t % ctx)) * hd + d]!;
      s.push(cap ? cap * Math.tanh((dot * scale) / cap) : dot * scale);
    }
    const max = Math.max(...s), e = s.map((x) => Math.exp(x - max)), sum = e.reduce((a, b) => a + b, 0);
    for (let t = first; t <= last; t++) for (let d = 0; d < hd; d++) out[(m * nHeads + h) * hd + d]! += (e[t - first]! / sum) * v[(kv * ctx + (t % ctx)) * hd + d]!;
  }
  return out;
}

describe.each(['ts', 'wasm'])('architecture kernels (%s)', (name) => {
  it('geluMul matches the tanh-form GELU times up within 1e-6 relative', () => {
    const random = seededRandom(3), n = 103, gate = tensor(n, random, 4), up = tensor(n, random), out = arena.alloc(n * 4);
    sets[name]!.geluMul(out, gate.ptr, up.ptr, n);
    const expected = gate.values.map((g, i) => geluRef(g) * up.values[i]!);
    expect(worstError(readF32(arena, out, n), expected, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
  });

  it('scale and softcap match float64 within 1e-6 relative, in place', () => {
    const random = seededRandom(4), n = 37, x = tensor(n, random, 80);
    sets[name]!.scale(x.ptr, x.ptr, n, 0.125);
    sets[name]!.softcap(x.ptr, x.ptr, n, 3);
    const expected = x.values.map((v) => 3 * Math.tanh((v * 0.125) / 3));
    expect(worstError(readF32(arena, x.ptr, n), expected, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
  });

  it.each([
    { window: 0, cap: 0, pos0: 0, M: 5 },
    { window: 7, cap: 0, pos0: 150, M: 3 }, // a window well inside a long context
    { window: 0, cap: 2, pos0: 200, M: 2 }, // more keys than one online-softmax block, soft-capped
    { window: 150, cap: 50, pos0: 290, M: 6 },
    // sliding-window rings of window + M − 1 slots: keys wrap past the ring's end, and across an online-softmax block
    { window: 7, cap: 0, pos0: 150, M: 3, ctx: 9 },
    { window: 150, cap: 50, pos0: 290, M: 6, ctx: 155 },
  ])('attentionWindowed (window $window, softcap $cap, rows $M at $pos0, $ctx slots) matches float64 within 2e-5', ({ window, cap, pos0, M, ctx = 320 }) => {
    const random = seededRandom(5 + pos0 + ctx), nHeads = 6, nKv = 2, hd = 18, scale = 0.3;
    const q = tensor(M * nHeads * hd, random);
    const cache = () => {
      const ptr = arena.alloc(nKv * ctx * hd * 2);
      for (let i = 0; i < nKv * ctx * hd; i++) arena.u16[(ptr >> 1) + i] = f32ToF16(random() * 2 - 1);
      return { ptr, values: Float64Array.from(arena.u16.subarray(ptr >> 1, (ptr >> 1) + nKv * ctx * hd), f16ToF32) };
    };
    const k = cache(), v = cache(), scores = arena.alloc(128 * 4), out = arena.alloc(M * nHeads * hd * 4);
    // two calls over head ranges: a split between workers computes the same as one call
    sets[name]!.attentionWindowed(out, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKv, hd, ctx, 0, 4, window, scale, cap);
    sets[name]!.attentionWindowed(out, q.ptr, k.ptr, v.ptr, scores, M, pos0, nHeads, nKv, hd, ctx, 4, 6, window, scale, cap);
    const expected = attentionRef(q.values, k.values, v.values, M, pos0, nHeads, nKv, hd, ctx, window, scale, cap);
    expect(worstError(readF32(arena, out, M * nHeads * hd), expected, 2e-5, 2e-5)).toBeLessThanOrEqual(1);
  });

  it('storeKvF16 writes position p at slot p mod ctx, wrapping a ring within one call', () => {
    const random = seededRandom(11), M = 5, nKv = 2, hd = 8, ctx = 7, pos0 = 18; // positions 18..22 → slots 4, 5, 6, 0, 1
    const x = tensor(M * nKv * hd, random), cache = arena.alloc(nKv * ctx * hd * 2);
    arena.u16.fill(0xffff, cache >> 1, (cache >> 1) + nKv * ctx * hd);
    sets[name]!.storeKvF16(cache, x.ptr, M, pos0, nKv, hd, ctx);
    for (let slot = 0; slot < ctx; slot++) for (let g = 0; g < nKv; g++) for (let d = 0; d < hd; d++) {
      const m = (slot - (pos0 % ctx) + ctx) % ctx; // the row whose position lands here
      const want = m < M ? f32ToF16(x.values[(m * nKv + g) * hd + d]!) : 0xffff;
      expect(arena.u16[(cache >> 1) + (g * ctx + slot) * hd + d]).toBe(want);
    }
  });
});
