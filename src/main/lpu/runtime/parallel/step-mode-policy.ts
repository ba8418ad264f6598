import { MODE } from './control';

type Choice = 'auto' | 'split' | 'solo';

/** Samples per mode the estimate looks at: a median of 5 ignores one or two steps that hit a stall. */
const RECENT = 5;

/** Cost estimates (ms per row) of both modes for one kind of step: the median of each mode's recent samples. */
class ModeChooser {
  private readonly recent: number[][] = [[], []];
  private steps = 0;

  constructor(private readonly choice: Choice, private readonly exploreEvery: number) {}

  choose(): number {
    if (this.choice === 'split') return MODE.SPLIT;
    if (this.choice === 'solo') return MODE.SOLO;
    const n = this.steps++;
    if (n < 4) return n % 2 === 0 ? MODE.SPLIT : MODE.SOLO; // warm-up: sample both
    const best = this.estimate(MODE.SOLO) < this.estimate(MODE.SPLIT) ? MODE.SOLO : MODE.SPLIT;
    return n % this.exploreEvery === 0 ? 1 - best : best;
  }

  record(mode: number, ms: number, rows: number): void {
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
    this.decode = new ModeChooser(options.decode ?? 'auto', 16);
    this.prefill = new ModeChooser(options.prefill ?? 'auto', 8);
  }

  choose(m: number): number {
    if (this.workers === 1) return MODE.SPLIT;
    return (m > 1 ? this.prefill : this.decode).choose();
  }

  record(mode: number, m: number, ms: number): void {
    (m > 1 ? this.prefill : this.decode).record(mode, ms, m);
  }
}
