// One budget of threads for everything ingestion runs at once, shared across worker threads through a
// SharedArrayBuffer: each file being parsed takes a slot, and a long PDF's page helpers take only free slots and give
// theirs back when a newly started file overdraws the budget, so parallel files never oversubscribe the cores.

export class ThreadBudget {
  private readonly slots: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }

  /** A budget of `threads` slots, to hand to worker threads as `budget.buffer`. */
  static of(threads: number): ThreadBudget {
    const budget = new ThreadBudget(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    Atomics.store(budget.slots, 0, threads);
    return budget;
  }

  /** Slots free now (negative while overdrawn). */
  get free(): number {
    return Atomics.load(this.slots, 0);
  }

  /** Takes a slot if one is free; for optional threads. */
  tryTake(): boolean {
    for (let free = this.free; free > 0; free = this.free) {
      if (Atomics.compareExchange(this.slots, 0, free, free - 1) === free) return true;
    }
    return false;
  }

  /** Takes a slot even when none is free (a file's own parser must run): optional threads then give theirs back. */
  take(): void {
    Atomics.sub(this.slots, 0, 1);
  }

  give(): void {
    Atomics.add(this.slots, 0, 1);
  }

  /** For an optional thread: gives its slot back if the budget is overdrawn; true when it did (the thread should stop). */
  yieldIfOverdrawn(): boolean {
    for (let free = this.free; free < 0; free = this.free) {
      if (Atomics.compareExchange(this.slots, 0, free, free + 1) === free) return true;
    }
    return false;
  }
}
