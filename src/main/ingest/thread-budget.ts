// One budget of threads for everything ingestion runs at once, shared across worker threads through a
// SharedArrayBuffer: each file being parsed takes a slot, and a long PDF's page helpers take only free slots and give
// theirs back when a newly started file overdraws the budget, so parallel files never oversubscribe the cores.
// OCR recognitions beyond a file's first draw on it too, and the buffer counts the recognitions running, for probes.

/** Int32 fields of the buffer: free slots, recognitions running now, the most ever running at once. */
const FREE = 0;
const OCR_RUNNING = 1;
const OCR_PEAK = 2;

export class ThreadBudget {
  private readonly slots: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = new Int32Array(buffer);
  }

  /** A budget of `threads` slots, to hand to worker threads as `budget.buffer`. */
  static of(threads: number): ThreadBudget {
    const budget = new ThreadBudget(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
    Atomics.store(budget.slots, FREE, threads);
    return budget;
  }

  /** Slots free now (negative while overdrawn). */
  get free(): number {
    return Atomics.load(this.slots, FREE);
  }

  /** Takes a slot if one is free; for optional threads. */
  tryTake(): boolean {
    for (let free = this.free; free > 0; free = this.free) {
      if (Atomics.compareExchange(this.slots, FREE, free, free - 1) === free) return true;
    }
    return false;
  }

  /** Takes a slot even when none is free (a file's own parser must run): optional threads then give theirs back. */
  take(): void {
    Atomics.sub(this.slots, FREE, 1);
  }

  give(): void {
    Atomics.add(this.slots, FREE, 1);
  }

  /** For an optional thread: gives its slot back if the budget is overdrawn; true when it did (the thread should stop). */
  yieldIfOverdrawn(): boolean {
    for (let free = this.free; free < 0; free = this.free) {
      if (Atomics.compareExchange(this.slots, FREE, free, free + 1) === free) return true;
    }
    return false;
  }

  /** Counts an OCR recognition starting in any thread sharing this budget (its slot is taken separately). */
  recognitionStarted(): void {
    const running = Atomics.add(this.slots, OCR_RUNNING, 1) + 1;
    for (let peak = Atomics.load(this.slots, OCR_PEAK); running > peak; peak = Atomics.load(this.slots, OCR_PEAK)) {
      if (Atomics.compareExchange(this.slots, OCR_PEAK, peak, running) === peak) break;
    }
  }

  recognitionFinished(): void {
    Atomics.sub(this.slots, OCR_RUNNING, 1);
  }

  /** The most OCR recognitions that ran at once across every thread sharing this budget. */
  get recognitionsPeak(): number {
    return Atomics.load(this.slots, OCR_PEAK);
  }
}
