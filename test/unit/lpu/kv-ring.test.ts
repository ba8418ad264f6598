import { describe, expect, it } from 'vitest';
import { kvRingSlots, lower, type SlidingKv } from '../../../src/main/lpu/compiler/passes/lower';
import { planMemory } from '../../../src/main/lpu/compiler/passes/plan-memory';
import { compile } from '../../../src/main/lpu/compiler/pipeline';
import { canResumeAt, kvRingOf, ringFromAfter } from '../../../src/main/lpu/runtime/kv-ring';
import { isSlidingLayer, type ModelConfig } from '../../../src/main/lpu/loader/model-source';

// gemma-3-1b-it as its config.json and GGUF describe it: 26 layers, every sixth global, 4 query heads on 1 KV head
// of 256, a 512-token sliding window, a 32k context.
const GEMMA3_1B: ModelConfig = {
  architecture: 'gemma3', name: 'gemma-3-1b', dim: 1152, hiddenDim: 6912, nLayers: 26, nHeads: 4, nKvHeads: 1, headDim: 256,
  vocabSize: 262144, contextLength: 32768, ropeTheta: 1e6, ropeThetaSwa: 10000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: false,
  qkNorm: true, postNorms: true, ffnActivation: 'gelu', embedScale: Math.sqrt(1152), slidingWindow: 512, swaPattern: 6,
};
const ROWS = 32; // the default prefill chunk
const KV_BYTES_PER_POSITION = 2 * 1 * 256 * 2; // K and V, one KV head of 256, binary16

/** KV cache bytes of the host memory plan for the whole model at `bucket` positions. */
function kvBytes(config: ModelConfig, bucket: number, slidingKv: SlidingKv): number {
  const g = lower(config, bucket, ROWS, slidingKv);
  const kv = new Set([...g.tensors.values()].filter((t) => t.kind === 'kv').map((t) => t.id));
  return planMemory(g, 1, Infinity).allocations.filter((a) => kv.has(a.tensor)).reduce((s, a) => s + a.bytes, 0);
}

describe('sliding-window KV rings in the memory plan', () => {
  it('gemma-3-1b at 32k: 22 sliding layers hold 543 positions, the 4 global ones all 32768 (5.96x less KV)', () => {
    const global = Array.from({ length: 26 }, (_, l) => l).filter((l) => !isSlidingLayer(GEMMA3_1B, l));
    expect(global).toEqual([5, 11, 17, 23]);
    expect(kvRingSlots(512, ROWS, 32768)).toBe(543);
    const full = kvBytes(GEMMA3_1B, 32768, 'full');
    const ring = kvBytes(GEMMA3_1B, 32768, 'ring');
    expect(full).toBe(26 * 32768 * KV_BYTES_PER_POSITION); // 832 MiB
    expect(ring).toBe((4 * 32768 + 22 * 543) * KV_BYTES_PER_POSITION); // 139.7 MiB
    expect(full / ring).toBeCloseTo(26 * 32768 / (4 * 32768 + 22 * 543), 10);
    expect(full / ring).toBeGreaterThan(5.9);
  });

  it('a ring never holds more than the bucket', () => {
    expect(kvRingSlots(4096, ROWS, 2048)).toBe(2048); // Gemma 2's window over a short bucket: no ring, a whole cache
    expect(kvBytes({ ...GEMMA3_1B, slidingWindow: 4096 }, 2048, 'ring')).toBe(kvBytes({ ...GEMMA3_1B, slidingWindow: 4096 }, 2048, 'full'));
  });

  it('the compiled program\'s arena and its decode step\'s attention time shrink with the rings', () => {
    const options = { chips: 1, bucket: 8192, rows: ROWS, weights: 'int8' as const, capacityPerChip: Infinity };
    const full = compile(GEMMA3_1B, { ...options, slidingKv: 'full' }).program;
    const ring = compile(GEMMA3_1B, options).program;
    const kv = (p: typeof full) => p.memory.allocations.filter((a) => /^[kv]_cache\./.test(a.tensor)).reduce((s, a) => s + a.bytes, 0);
    const saved = 22 * (8192 - 543) * KV_BYTES_PER_POSITION;
    expect(kv(full) - kv(ring)).toBe(saved);
    expect(Math.abs(full.arenaBytes - ring.arenaBytes - saved)).toBeLessThanOrEqual(65536); // the arena rounds to pages
    expect(ring.cycles.perDecodeToken).toBeLessThan(full.cycles.perDecodeToken);
    expect(kvRingOf(ring)).toEqual({ slots: 543, window: 512 });
    expect(kvRingOf(full)).toBeUndefined();
  });
});

describe('what a ring still holds', () => {
  const ring = { slots: 13, window: 6 }; // window 6, steps of up to 8 rows

  it('forgets every position older than the newest slots once a step stores past them', () => {
    expect(ringFromAfter(ring, 0, 13)).toBe(0);
    expect(ringFromAfter(ring, 0, 20)).toBe(7);
    expect(ringFromAfter(ring, 9, 20)).toBe(9); // a rollback's older loss stays
    expect(ringFromAfter(undefined, 0, 1000)).toBe(0);
  });

  it('resumes only where the first new row\'s window is still held', () => {
    // held from 7: resuming at 12 needs positions 7..11
    expect(canResumeAt(ring, 7, 12)).toBe(true);
    expect(canResumeAt(ring, 7, 11)).toBe(false);
    expect(canResumeAt(ring, 7, 0)).toBe(true); // starting afresh
    expect(canResumeAt(ring, 0, 3)).toBe(true);
    expect(canResumeAt(undefined, 50, 3)).toBe(true); // full caches keep every position
  });
});
