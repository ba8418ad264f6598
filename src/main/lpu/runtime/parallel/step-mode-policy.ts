import { MODE } from './control';

type Choice = 'auto' | 'split' | 'solo';

/** Running cost estimates (ms per row) of both modes for one kind of step, sampled then exploited. */
class ModeChooser {
  private readonly msPerRow = [Number.NaN, Number.NaN];
  private steps = 0;

  constructor(private readonly choice: Choice, private readonly exploreEvery: number) {}

  choose(): number {
    if (this.choice === 'split') return MODE.SPLIT;
    if (this.choice === 'solo') return MODE.SOLO;
    const n = this.steps++;
    if (n < 4) return n % 2 === 0 ? MODE.SPLIT : MODE.SOLO; // warm-up: sample both
    const best = this.msPerRow[MODE.SOLO]! < this.msPerRow[MODE.SPLIT]! ? MODE.SOLO : MODE.SPLIT;
    return n % this.exploreEvery === 0 ? 1 - best : best;
  }

  record(mode: number, ms: number, rows: number): void {
    const prev = this.msPerRow[mode]!, now = ms / rows;
    this.msPerRow[mode] = Number.isNaN(prev) ? now : prev * 0.75 + now * 0.25;
  }
}

/**
 * Chooses per step between all workers (SPLIT) and worker 0 alone (SOLO). A step's kernels are cut by hundreds
 * of barriers; on a machine whose cores are busy with other work a barrier can wait for a descheduled peer and
 * SOLO wins. Both modes give bitwise identical results, so the choice is only about wall time: decode steps and
 * prefill chunks each sample both modes, keep the faster (moving average) and re-try the other now and then.
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
