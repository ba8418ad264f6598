import { EventEmitter } from 'node:events';
import type { HealthEvent, HealthMinute, HealthWindow } from '../../shared/contract/health';
import type { Db } from '../store/db';
import { percentile } from './percentile';

// The Health view's history in SQLite, so it survives restarts: every recorded event in a ring of fixed size
// (slot = seq mod capacity, so the table never holds more rows), and per-minute aggregates with the process
// gauges sampled at each minute's end, trimmed to the newest `minuteRows`.

export const DEFAULT_EVENT_ROWS = 20_000;
/** A week of minutes. */
export const DEFAULT_MINUTE_ROWS = 7 * 24 * 60;
const MINUTE_MS = 60_000;

export interface ProcessGauges {
  residentBytes: number;
  workers: number;
  ingestQueueDepth: number;
}

export interface HealthHistoryOptions {
  eventRows?: number;
  minuteRows?: number;
  /** Sampled when a minute is closed. */
  gauges?: () => ProcessGauges;
  now?: () => number;
}

/** What an alert evaluator needs over a window of events. */
export interface HealthSummary {
  answers: number;
  errors: number;
  /** errors / (answers + errors), in percent; 0 when nothing was asked. */
  errorRatePct: number;
  fallbacks: number;
  cacheHits: number;
  workerCrashes: number;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  /** p95 over the answers' own p95 token intervals. */
  tokenIntervalP95Ms: number | null;
  tokensPerSecond: number | null;
}

interface EventRow {
  kind: HealthEvent['kind'];
  at: number;
  provider: string | null;
  model: string | null;
  ttft_ms: number | null;
  tokens_per_s: number | null;
  token_interval_p95_ms: number | null;
  retrieval_ms: number | null;
  code: string | null;
  detail: string | null;
}

interface MinuteRow {
  minute: number;
  answers: number;
  errors: number;
  fallbacks: number;
  cache_hits: number;
  worker_crashes: number;
  ttft_p50_ms: number | null;
  ttft_p95_ms: number | null;
  token_interval_p95_ms: number | null;
  tokens_per_s: number | null;
  resident_bytes: number | null;
  workers: number | null;
  ingest_queue_depth: number | null;
}

const fromEventRow = (r: EventRow): HealthEvent => ({
  kind: r.kind, at: r.at, provider: r.provider, model: r.model, ttftMs: r.ttft_ms, tokensPerSecond: r.tokens_per_s,
  tokenIntervalP95Ms: r.token_interval_p95_ms, retrievalMs: r.retrieval_ms, code: r.code, detail: r.detail,
});

const fromMinuteRow = (r: MinuteRow): HealthMinute => ({
  minute: r.minute, answers: r.answers, errors: r.errors, fallbacks: r.fallbacks, cacheHits: r.cache_hits, workerCrashes: r.worker_crashes,
  ttftP50Ms: r.ttft_p50_ms, ttftP95Ms: r.ttft_p95_ms, tokenIntervalP95Ms: r.token_interval_p95_ms, tokensPerSecond: r.tokens_per_s,
  residentBytes: r.resident_bytes, workers: r.workers, ingestQueueDepth: r.ingest_queue_depth,
});

const numbers = (values: (number | null)[]) => values.filter((v): v is number => v !== null && Number.isFinite(v));

export function summarise(events: readonly HealthEvent[]): HealthSummary {
  const answers = events.filter((e) => e.kind === 'answer');
  const errors = events.filter((e) => e.kind === 'error').length;
  const count = (kind: HealthEvent['kind']) => events.filter((e) => e.kind === kind).length;
  const ttft = numbers(answers.map((a) => a.ttftMs));
  return {
    answers: answers.length,
    errors,
    errorRatePct: answers.length + errors ? (100 * errors) / (answers.length + errors) : 0,
    fallbacks: count('fallback'),
    cacheHits: count('cache_hit'),
    workerCrashes: count('worker_crash'),
    ttftP50Ms: percentile(ttft, 0.5),
    ttftP95Ms: percentile(ttft, 0.95),
    tokenIntervalP95Ms: percentile(numbers(answers.map((a) => a.tokenIntervalP95Ms)), 0.95),
    tokensPerSecond: percentile(numbers(answers.map((a) => a.tokensPerSecond)), 0.5),
  };
}

/** One minute's aggregates from its events; gauges stay null (they are sampled, not derived). */
export function aggregateMinute(minute: number, events: readonly HealthEvent[]): HealthMinute {
  const s = summarise(events);
  return {
    minute, answers: s.answers, errors: s.errors, fallbacks: s.fallbacks, cacheHits: s.cacheHits, workerCrashes: s.workerCrashes,
    ttftP50Ms: s.ttftP50Ms, ttftP95Ms: s.ttftP95Ms, tokenIntervalP95Ms: s.tokenIntervalP95Ms, tokensPerSecond: s.tokensPerSecond,
    residentBytes: null, workers: null, ingestQueueDepth: null,
  };
}

export class HealthHistory {
  readonly eventRows: number;
  readonly minuteRows: number;
  private readonly now: () => number;
  private readonly changes = new EventEmitter();

  constructor(
    private readonly db: Db,
    private readonly options: HealthHistoryOptions = {},
  ) {
    this.eventRows = options.eventRows ?? DEFAULT_EVENT_ROWS;
    this.minuteRows = options.minuteRows ?? DEFAULT_MINUTE_ROWS;
    this.now = options.now ?? Date.now;
  }

  /** Writes one event over the oldest slot once the ring is full; the next seq is read in the same statement, so two processes sharing the file never collide. */
  append(event: HealthEvent): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO health_events (slot, seq, kind, at, provider, model, ttft_ms, tokens_per_s, token_interval_p95_ms, retrieval_ms, code, detail)
        SELECT (next.seq % @capacity), next.seq, @kind, @at, @provider, @model, @ttftMs, @tokensPerSecond, @tokenIntervalP95Ms, @retrievalMs, @code, @detail
        FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM health_events) AS next`)
      .run({ ...event, capacity: this.eventRows });
    this.changes.emit('event', event);
  }

  onEvent(listener: (event: HealthEvent) => void): () => void {
    this.changes.on('event', listener);
    return () => this.changes.off('event', listener);
  }

  events(sinceMs: number, untilMs = Number.MAX_SAFE_INTEGER): HealthEvent[] {
    const rows = this.db.prepare('SELECT * FROM health_events WHERE at >= ? AND at < ? ORDER BY at, seq').all(sinceMs, untilMs) as EventRow[];
    return rows.map(fromEventRow);
  }

  /** What happened since `sinceMs`: the alert evaluator's view of the recent past. */
  summary(sinceMs: number): HealthSummary {
    return summarise(this.events(sinceMs));
  }

  /**
   * The last `minutes`: the stored events, and one aggregate per minute that has data: the stored row (with its
   * gauges) where the sampler closed that minute, else computed from the events (the current minute, or minutes a
   * process without a sampler, such as the CLI, recorded).
   */
  window(minutes: number): HealthWindow {
    const now = this.now();
    const sinceMs = Math.floor((now - minutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
    const events = this.events(sinceMs);
    const stored = new Map(
      (this.db.prepare('SELECT * FROM health_minutes WHERE minute >= ? ORDER BY minute').all(sinceMs) as MinuteRow[]).map((r) => [r.minute, fromMinuteRow(r)]),
    );
    const byMinute = new Map<number, HealthEvent[]>();
    for (const event of events) {
      const minute = Math.floor(event.at / MINUTE_MS) * MINUTE_MS;
      byMinute.set(minute, [...(byMinute.get(minute) ?? []), event]);
    }
    for (const [minute, list] of byMinute) if (!stored.has(minute)) stored.set(minute, aggregateMinute(minute, list));
    return { now, sinceMs, events, minutes: [...stored.values()].sort((a, b) => a.minute - b.minute) };
  }

  /** Stores the minute that has just ended (aggregates and gauges), once, and trims the oldest minutes beyond the bound. */
  closeMinute(): HealthMinute {
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
    const row = { ...aggregateMinute(minute, this.events(minute, minute + MINUTE_MS)), ...(this.options.gauges?.() ?? {}) };
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT OR IGNORE INTO health_minutes (minute, answers, errors, fallbacks, cache_hits, worker_crashes, ttft_p50_ms, ttft_p95_ms,
            token_interval_p95_ms, tokens_per_s, resident_bytes, workers, ingest_queue_depth)
          VALUES (@minute, @answers, @errors, @fallbacks, @cacheHits, @workerCrashes, @ttftP50Ms, @ttftP95Ms, @tokenIntervalP95Ms, @tokensPerSecond,
            @residentBytes, @workers, @ingestQueueDepth)`)
        .run(row);
      this.db.prepare('DELETE FROM health_minutes WHERE minute < (SELECT minute FROM health_minutes ORDER BY minute DESC LIMIT 1 OFFSET ?)').run(this.minuteRows - 1);
    })();
    return row;
  }

  /** Closes each minute shortly after it ends; returns the stop function. */
  startSampling(): () => void {
    let interval: NodeJS.Timeout | undefined;
    const close = () => {
      try {
        this.closeMinute();
      } catch {
        // The database may be closing under a late tick; the next minute is sampled by the next start.
      }
    };
    // A second past the boundary, so every event of the minute that ended is in.
    const first = setTimeout(() => {
      close();
      interval = setInterval(close, MINUTE_MS);
      interval.unref();
    }, MINUTE_MS - (this.now() % MINUTE_MS) + 1000);
    first.unref();
    return () => {
      clearTimeout(first);
      if (interval) clearInterval(interval);
    };
  }
}
