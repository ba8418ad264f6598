import { z } from 'zod';
import { call, stream } from './define';

// Domain `health`: the history behind the Health view (answers, errors, fallbacks over time), kept in SQLite.

export const healthEventKind = z.enum(['answer', 'error', 'fallback', 'cache_hit', 'worker_crash']);

/** One recorded event; fields a kind does not measure are null. */
export const healthEvent = z.object({
  kind: healthEventKind,
  /** Epoch ms. */
  at: z.number(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  ttftMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  tokenIntervalP95Ms: z.number().nullable(),
  retrievalMs: z.number().nullable(),
  /** error: the AppError code; fallback: why it moved. */
  code: z.string().nullable(),
  /** fallback: 'from→to'; worker_crash: which worker. */
  detail: z.string().nullable(),
});
export type HealthEvent = z.infer<typeof healthEvent>;

/** One minute's aggregates, plus the process gauges sampled at its end (null before any sample). */
export const healthMinute = z.object({
  /** Epoch ms of the minute's start. */
  minute: z.number(),
  answers: z.number().int(),
  errors: z.number().int(),
  fallbacks: z.number().int(),
  cacheHits: z.number().int(),
  workerCrashes: z.number().int(),
  ttftP50Ms: z.number().nullable(),
  ttftP95Ms: z.number().nullable(),
  tokenIntervalP95Ms: z.number().nullable(),
  /** Median over the minute's answers. */
  tokensPerSecond: z.number().nullable(),
  residentBytes: z.number().nullable(),
  workers: z.number().int().nullable(),
  ingestQueueDepth: z.number().int().nullable(),
});
export type HealthMinute = z.infer<typeof healthMinute>;

export const healthWindow = z.object({
  /** Epoch ms the window ends at (the server's clock). */
  now: z.number(),
  sinceMs: z.number(),
  events: z.array(healthEvent),
  /** Oldest first; the current minute so far is the last one. */
  minutes: z.array(healthMinute),
});
export type HealthWindow = z.infer<typeof healthWindow>;

export const health = {
  /** The last `minutes` of history (the Health view reads the last hour). */
  history: call(z.object({ minutes: z.number().int().min(1).max(1440).default(60) }), healthWindow),
  /** One event each time something is recorded, so an open Health view can refresh. */
  watch: stream(z.object({}), healthEvent),
};
