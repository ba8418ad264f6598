import { describe, expect, it } from 'vitest';
import { StepModePolicy } from '../../../src/main/lpu/runtime/parallel/step-mode-policy';
import { MODE } from '../../../src/main/lpu/runtime/parallel/control';

/** Runs `steps` decode steps, each mode costing what `cost(mode, step)` says; returns the modes chosen. */
function runDecode(policy: StepModePolicy, steps: number, cost: (mode: number, step: number) => number): number[] {
  const modes: number[] = [];
  for (let step = 0; step < steps; step++) {
    const mode = policy.choose(1);
    modes.push(mode);
    policy.record(mode, 1, cost(mode, step));
  }
  return modes;
}

describe('StepModePolicy', () => {
  it('keeps splitting when one split step stalls (a descheduled peer), instead of serving the answer solo', () => {
    // split 8 ms, solo 12 ms; the 6th split step waits 50 ms at a barrier.
    const modes = runDecode(new StepModePolicy(2), 128, (mode, step) => (mode === MODE.SPLIT ? (step === 6 ? 50 : 8) : 12));
    const solo = modes.slice(6).filter((m) => m === MODE.SOLO).length;
    expect(solo).toBeLessThanOrEqual(12); // exploration only: two solo steps in 24
  });

  it('does not count the cold step after a switch: a worker that slept through solo steps wakes slowly', () => {
    let previous: number = MODE.SPLIT;
    const modes = runDecode(new StepModePolicy(2), 128, (mode) => {
      const cold = mode === MODE.SPLIT && previous === MODE.SOLO;
      previous = mode;
      return mode === MODE.SPLIT ? (cold ? 30 : 8) : 12;
    });
    expect(modes.slice(6).filter((m) => m === MODE.SPLIT).length / (128 - 6)).toBeGreaterThan(0.85);
  });

  it('moves to solo when split is slower for good (a busy machine), and back when the cores free up', () => {
    const busyUntil = 64;
    const modes = runDecode(new StepModePolicy(2), 192, (mode, step) => (mode === MODE.SPLIT ? (step < busyUntil ? 40 : 8) : 12));
    const share = (from: number, to: number, mode: number) => modes.slice(from, to).filter((m) => m === mode).length / (to - from);
    expect(share(8, busyUntil, MODE.SOLO)).toBeGreaterThan(0.85);
    expect(share(busyUntil + 64, 192, MODE.SPLIT)).toBeGreaterThan(0.85);
  });

  it('always splits with one worker, and obeys a fixed choice', () => {
    expect(new Set(runDecode(new StepModePolicy(1), 20, () => 1))).toEqual(new Set([MODE.SPLIT]));
    expect(new Set(runDecode(new StepModePolicy(2, { decode: 'solo' }), 20, () => 1))).toEqual(new Set([MODE.SOLO]));
  });
});
