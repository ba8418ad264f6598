import { MODE } from './control';

type Choice = 'auto' | 'split' | 'solo';

/** Samples per mode the estimate looks at: a median of 5 ignores one or two steps that hit a stall. */
const RECENT = 5;

/**
 * Cost estimates (ms per row) of both modes for one kind of step: the median of each mode's recent samples.
 * Switching modes costs something of its own (a worker that slept through solo steps wakes cold), so the first
 * `settleSteps` steps after a switch are run but not counted; otherwise every try of the other mode looks slow.
 */
class ModeChooser {
  private readonly recent: number[][] = [[], []];
  private readonly planned: number[] = [];
  private steps = 0;
  private lastMode = -1; // the first step is a switch too: from prefill chunks to decode steps, say
  private uncounted = 0;
  private counting = true;

  constructor(private readonly choice: Choice, private readonly exploreEvery: number, private readonly settleSteps: number) {
    // Warm-up: sample both modes before choosing.
    for (const mode of [MODE.SPLIT, MODE.SOLO]) for (let i = 0; i < 2 + settleSteps; i++) this.planned.push(mode);
  }

  choose(): number {
    if (this.choice === 'split') return MODE.SPLIT;
    if (this.choice === 'solo') return MODE.SOLO;
    const n = this.steps++;
    let mode = this.planned.shift();
    if (mode === undefined) {
      const best = this.estimate(MODE.SOLO) < this.estimate(MODE.SPLIT) ? MODE.SOLO : MODE.SPLIT;
      mode = best;
      if (n % this.exploreEvery === 0) {
        mode = 1 - best; // try the other mode: settle, then one counted step
        for (let i = 0; i < this.settleSteps; i++) this.planned.push(mode);
      }
    }
    if (mode !== this.lastMode) this.uncounted = this.settleSteps;
    this.counting = this.uncounted === 0;
    if (!this.counting) this.uncounted--;
    this.lastMode = mode;
    return mode;
  }

  record(mode: number, ms: number, rows: number): void {
    if (!this.counting) return;
    const samples = this.recent[mode]!;
    samples.push(ms / rows);
    if (samples.length > RECENT) samples.shift();
  }

  /** Lower median of the recent samples (an even count leans optimistic, so a mode gets re-tried). */
  estimate(mode: number): number {
    const sorted = [...this.recent[mode]!].sort((a, b) => a - b);
    return sorted.length ? sorted[(sorted.length - 1) >> 1]! : Number.NaN;
  }
}

/**
 * Chooses per step between all workers (SPLIT) and worker 0 alone (SOLO). A step's kernels are cut by hundreds
 * of barriers; on a machine whose cores are busy with other work a barrier can wait for a descheduled peer and
 * SOLO wins. Both modes give bitwise identical results, so the choice is only about wall time: decode steps and
 * prefill chunks each sample both modes, keep the faster (median of recent samples: one stalled step must not
 * send a whole answer to the slower mode, as a moving average did) and re-try the other now and then.
 */
export class StepModePolicy {
  private readonly decode: ModeChooser;
  private readonly prefill: ModeChooser;

  constructor(private readonly workers: number, options: { decode?: Choice; prefill?: Choice } = {}) {
    // A decode step (~8 ms) feels a cold switch; a prefill chunk (~100 ms) does not.
    this.decode = new ModeChooser(options.decode ?? 'auto', 24, 1);
    this.prefill = new ModeChooser(options.prefill ?? 'auto', 8, 0);
  }

  choose(m: number): number {
    if (this.workers === 1) return MODE.SPLIT;
    return (m > 1 ? this.prefill : this.decode).choose();
  }

  record(mode: number, m: number, ms: number): void {
    (m > 1 ? this.prefill : this.decode).record(mode, ms, m);
  }
}
