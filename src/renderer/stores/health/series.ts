import type { HealthWindow } from '../../../shared/contract/health';

const MINUTE_MS = 60_000;

/** The Health charts' data: one slot per minute of the window (null where nothing happened), x in epoch seconds. */
export interface HealthSeries {
  x: number[];
  ttftP50Ms: (number | null)[];
  ttftP95Ms: (number | null)[];
  tokensPerSecond: (number | null)[];
  tokenIntervalP95Ms: (number | null)[];
  /** Failed answers over all answers that minute, in percent. */
  errorRatePct: (number | null)[];
  /** Fallback events that minute (null for none, so the chart draws only the minutes that had some). */
  fallbacks: (number | null)[];
}

/** Aligns the window's minutes on a fixed grid from its start to its last minute, as uPlot's aligned data needs. */
export function healthSeries(window: HealthWindow): HealthSeries {
  const first = Math.floor(window.sinceMs / MINUTE_MS) * MINUTE_MS;
  const last = Math.floor(window.now / MINUTE_MS) * MINUTE_MS;
  const byMinute = new Map(window.minutes.map((m) => [m.minute, m]));
  const series: HealthSeries = { x: [], ttftP50Ms: [], ttftP95Ms: [], tokensPerSecond: [], tokenIntervalP95Ms: [], errorRatePct: [], fallbacks: [] };
  for (let minute = first; minute <= last; minute += MINUTE_MS) {
    const m = byMinute.get(minute);
    const asked = m ? m.answers + m.errors : 0;
    series.x.push(minute / 1000);
    series.ttftP50Ms.push(m?.ttftP50Ms ?? null);
    series.ttftP95Ms.push(m?.ttftP95Ms ?? null);
    series.tokensPerSecond.push(m?.tokensPerSecond ?? null);
    series.tokenIntervalP95Ms.push(m?.tokenIntervalP95Ms ?? null);
    series.errorRatePct.push(asked ? (100 * (m?.errors ?? 0)) / asked : null);
    series.fallbacks.push(m?.fallbacks ? m.fallbacks : null);
  }
  return series;
}
