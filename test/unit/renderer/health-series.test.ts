// The Health charts' data: every minute of the hour on one grid, gaps where nothing happened, error rate per minute.
import { describe, expect, it } from 'vitest';
import type { HealthMinute } from '../../../src/shared/contract/health';
import { healthSeries } from '../../../src/renderer/stores/health/series';

const MINUTE = 60_000;
const minute = (at: number, fields: Partial<HealthMinute>): HealthMinute => ({
  minute: at, answers: 0, errors: 0, fallbacks: 0, cacheHits: 0, workerCrashes: 0, ttftP50Ms: null, ttftP95Ms: null, tokenIntervalP95Ms: null,
  tokensPerSecond: null, residentBytes: null, workers: null, ingestQueueDepth: null, ...fields,
});

describe('healthSeries', () => {
  it('aligns the minutes of the window on a one-minute grid with nulls between', () => {
    const now = 1000 * MINUTE + 30_000;
    const series = healthSeries({
      now,
      sinceMs: 940 * MINUTE,
      events: [],
      minutes: [
        minute(941 * MINUTE, { answers: 3, errors: 1, ttftP50Ms: 400, ttftP95Ms: 900, tokensPerSecond: 22, tokenIntervalP95Ms: 60, fallbacks: 2 }),
        minute(1000 * MINUTE, { answers: 1, ttftP50Ms: 300, ttftP95Ms: 300 }),
      ],
    });
    expect(series.x).toHaveLength(61);
    expect(series.x[0]).toBe(940 * 60);
    expect(series.x.at(-1)).toBe(1000 * 60);
    expect(series.ttftP95Ms[1]).toBe(900);
    expect(series.errorRatePct[1]).toBe(25);
    expect(series.fallbacks[1]).toBe(2);
    expect(series.errorRatePct.at(-1)).toBe(0);
    expect(series.fallbacks.at(-1)).toBeNull();
    expect(series.ttftP50Ms.filter((v) => v !== null)).toEqual([400, 300]);
    expect(series.tokensPerSecond[0]).toBeNull();
  });
});
