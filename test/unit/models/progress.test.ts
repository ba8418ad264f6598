import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, SpeedMeter } from '../../../src/main/models/progress';

describe('SpeedMeter', () => {
  it('averages speed over the last five seconds and derives the time left', () => {
    let now = 0;
    const meter = new SpeedMeter(() => now);
    meter.record(1_000_000); // resumed bytes are the baseline, not speed
    expect(meter.bytesPerSecond()).toBe(0);
    expect(meter.etaSeconds(1_000_000, 5_000_000)).toBeNull();
    for (let second = 1; second <= 10; second++) {
      now = second * 1000;
      meter.record(1_000_000 + second * (second <= 5 ? 100_000 : 300_000));
    }
    // Only the last ~5 s count: the recent, faster rate dominates.
    expect(meter.bytesPerSecond()).toBeGreaterThan(250_000);
    const done = 1_000_000 + 10 * 300_000;
    expect(meter.etaSeconds(done, done + 600_000)).toBeCloseTo(600_000 / meter.bytesPerSecond());
    expect(meter.etaSeconds(done, null)).toBeNull();
  });

  it('formats bytes and durations for people', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(386_404_992)).toBe('386.4 MB');
    expect(formatBytes(1_321_083_008)).toBe('1.3 GB');
    expect(formatDuration(42.2)).toBe('43 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(7300)).toBe('2 h 2 min');
  });
});
