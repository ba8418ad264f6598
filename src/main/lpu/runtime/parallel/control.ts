// The control block shared by the main thread and the parallel workers: one Int32Array on its own
// SharedArrayBuffer (not the arena, whose every byte belongs to the memory plan).

export const CONTROL = {
  /** Bumped by the main thread to start a step (workers wait on it). */
  STEP: 0,
  /** Rows (tokens) in the step and the position of the first. */
  M: 1,
  POS0: 2,
  /** Bumped by worker 0 when every worker has finished the step (the main thread waits on it). */
  DONE: 3,
  /** Set to ask the workers to exit. */
  STOP: 4,
  /** Barrier cells: arrived count, generation. */
  BARRIER: 5,
  /** SPLIT: every worker takes its share; SOLO: worker 0 runs the whole step alone (same results). */
  MODE: 7,
  /** Token ids of the step start here. */
  IDS: 8,
} as const;

export const MODE = { SPLIT: 0, SOLO: 1 } as const;

export function createControl(rows: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((CONTROL.IDS + rows) * 4));
}

/** Spin this many polls before sleeping in Atomics.wait: a sleeping thread takes tens of µs to wake. */
const SPINS = 20_000;

/** Waits until control[index] differs from `seen` (spin first, then Atomics.wait); returns the new value. */
export function waitForChange(control: Int32Array, index: number, seen: number): number {
  for (let i = 0; i < SPINS; i++) {
    const now = Atomics.load(control, index);
    if (now !== seen) return now;
  }
  while (Atomics.load(control, index) === seen) Atomics.wait(control, index, seen);
  return Atomics.load(control, index);
}

/**
 * A reusable barrier for `parties` threads over two control cells (arrived, generation): the last thread to
 * arrive resets the count and advances the generation; the others spin, then sleep, until it moves.
 */
export function createBarrier(control: Int32Array, parties: number): () => void {
  const arrived = CONTROL.BARRIER, generation = CONTROL.BARRIER + 1;
  return () => {
    if (parties === 1) return;
    const seen = Atomics.load(control, generation); // read before arriving: the last arrival may advance it at once
    if (Atomics.add(control, arrived, 1) === parties - 1) {
      Atomics.store(control, arrived, 0);
      Atomics.add(control, generation, 1);
      Atomics.notify(control, generation);
      return;
    }
    waitForChange(control, generation, seen);
  };
}
