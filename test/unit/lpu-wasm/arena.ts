// A small shared arena for kernel tests: bump-allocated, 16-byte aligned, seeded random fills.
import type { ArenaMemory } from '../../../src/main/lpu/kernels/abi';
export { seededRandom } from '../../../src/main/lpu/runtime/sampler';

export interface TestArena {
  memory: ArenaMemory;
  f32: Float32Array;
  i8: Int8Array;
  u16: Uint16Array;
  i32: Int32Array;
  alloc(bytes: number): number;
}

export function createTestArena(pages = 64): TestArena {
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => ArenaMemory } }).WebAssembly;
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  let top = 64; // keep 0 unused so a null pointer bug shows
  return {
    memory,
    f32: new Float32Array(memory.buffer),
    i8: new Int8Array(memory.buffer),
    u16: new Uint16Array(memory.buffer),
    i32: new Int32Array(memory.buffer),
    alloc(bytes) {
      const at = top;
      top = (top + bytes + 15) & ~15;
      if (top > memory.buffer.byteLength) throw new Error('test arena full');
      return at;
    },
  };
}


/** Fills f32[ptr .. ptr+n) with uniform values in [-scale, scale). */
export function fillF32(arena: TestArena, ptr: number, n: number, random: () => number, scale = 1): void {
  for (let i = 0; i < n; i++) arena.f32[(ptr >> 2) + i] = (random() * 2 - 1) * scale;
}

export function readF32(arena: TestArena, ptr: number, n: number): Float64Array {
  return Float64Array.from(arena.f32.subarray(ptr >> 2, (ptr >> 2) + n));
}

/** Largest |a-b| / (atol + rtol·|b|) over the arrays; ≤ 1 means within tolerance. */
export function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i]! - expected[i]!) / (atol + rtol * Math.abs(expected[i]!));
    if (!(e <= worst)) worst = e; // NaN propagates as a failure
  }
  return worst;
}
