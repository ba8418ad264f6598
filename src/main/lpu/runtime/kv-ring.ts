import type { Program } from '../compiler/passes/emit';

/**
 * The sliding-window layers' KV rings of a program (compiler/passes/lower.ts, kvRingSlots): each holds `slots`
 * positions, position p at slot p mod slots, for attention over the last `window` keys. Undefined when every cache
 * keeps the whole bucket.
 */
export interface KvRing {
  slots: number;
  window: number;
}

export function kvRingOf(program: Pick<Program, 'tensors' | 'bucket' | 'config'>): KvRing | undefined {
  const ring = program.tensors.find((t) => t.kind === 'kv' && t.shape[1]! < program.bucket);
  return ring ? { slots: ring.shape[1]!, window: program.config.slidingWindow! } : undefined;
}

/**
 * The lowest position whose K/V the rings still hold once a step has stored positions up to end − 1: each slot keeps
 * only its newest position, so everything before end − slots is gone. `ringFrom` is the value before the step.
 */
export function ringFromAfter(ring: KvRing | undefined, ringFrom: number, end: number): number {
  return ring ? Math.max(ringFrom, end - ring.slots) : 0;
}

/**
 * Whether a cache whose rings hold positions from `ringFrom` on can continue with a step at position `at`: the
 * step's first row attends to the window's earlier keys, at − window + 1 .. at − 1, so those must still be held.
 * Position 0 starts afresh and always can.
 */
export function canResumeAt(ring: KvRing | undefined, ringFrom: number, at: number): boolean {
  return at === 0 || !ring || ringFrom <= Math.max(0, at - ring.window + 1);
}
