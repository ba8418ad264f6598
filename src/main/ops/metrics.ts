import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthEvent } from '../../shared/contract/health';
import { percentile } from './percentile';

// Prometheus metrics of one Lockstep process, in a private registry (never prom-client's global one, so tests and
// several services in one process do not share series). Answers, errors and fallbacks are recorded by the answer
// path (answer-tap.ts); gauges that describe the machine are read when scraped.

/** Who produced an answer: the provider id ('lpu', 'groq', 'extractive', ...) and its model. */
export interface AnswerOrigin {
  provider: string;
  model: string;
}

/** One finished answer as the metrics see it; null where the provider did not measure that figure. */
export interface AnswerObservation extends AnswerOrigin {
  /** Wall time from the start of the answer to its first token, as the user waits for it. */
  ttftMs: number | null;
  /** Wall gaps between streamed tokens. */
  tokenIntervalsMs: number[];
  tokensPerSecond: number | null;
  retrievalMs: number | null;
  prefillTokensPerSecond: number | null;
  /** The emulator's figures of the answer, when the LPU produced it. */
  lpu?: LpuObservation;
}

export interface LpuObservation {
  /** Per chip: busy fraction of each functional unit. */
  utilisationPerChip: Record<string, number>[];
  sramBytesPerChip: number[];
  sramCapacityPerChip: number | null;
}

/** The narrow interface the answer path, the degradation chain and the answer cache record through. */
export interface MetricsRecorder {
  recordAnswer(answer: AnswerObservation): void;
  /** A failed answer, by AppError code ('internal' for anything else). */
  recordError(code: string, origin?: AnswerOrigin): void;
  /** An answer moved from one channel to another ('groq' → 'lpu'); `reason` says why, for the history. */
  recordFallback(from: string, to: string, reason?: string): void;
  recordCacheHit(origin?: AnswerOrigin): void;
  recordWorkerCrash(worker: string): void;
}

/** Figures read at scrape time from the rest of the process. */
export interface GaugeSources {
  workerCount(): number;
  ingestQueueDepth(): number;
  ingestPagesPerSecond(): number;
  residentBytes(): number;
  /** Vector searches of hot workspaces since the process opened the library: on the int8 arena or exact (arena not ready). */
  hotSearches(): { arena: number; exact: number; loads: number };
}

export interface MetricsOptions {
  sources: GaugeSources;
  /** Receives every recorded event (the Health view's SQLite history). */
  onEvent?: (event: HealthEvent) => void;
}

const byOrigin = ['provider', 'model'] as const;
type OriginLabel = (typeof byOrigin)[number];

export class Metrics implements MetricsRecorder {
  readonly registry = new Registry();
  private readonly ttft: Histogram<OriginLabel>;
  private readonly tokenInterval: Histogram<OriginLabel>;
  private readonly retrieval: Histogram<OriginLabel>;
  private readonly prefillRate: Histogram<OriginLabel>;
  private readonly answers: Counter<OriginLabel>;
  private readonly errors: Counter<'code'>;
  private readonly fallbacks: Counter<'from' | 'to'>;
  private readonly cacheHits: Counter;
  private readonly workerCrashes: Counter<'worker'>;
  private readonly unitUtilisation: Gauge<'chip' | 'unit'>;
  private readonly sramBytes: Gauge<'chip'>;
  private readonly sramOccupancy: Gauge<'chip'>;

  constructor(private readonly options: MetricsOptions) {
    const registers = [this.registry];
    this.ttft = new Histogram({
      name: 'lockstep_ttft_seconds', help: 'Time from asking to the first streamed token.', labelNames: byOrigin, registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    });
    this.tokenInterval = new Histogram({
      name: 'lockstep_token_interval_seconds', help: 'Wall time between consecutive streamed tokens.', labelNames: byOrigin, registers,
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    });
    this.retrieval = new Histogram({
      name: 'lockstep_retrieval_seconds', help: 'Retrieval and prompt building before generation starts.', labelNames: byOrigin, registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.prefillRate = new Histogram({
      name: 'lockstep_prefill_tokens_per_second', help: 'Prompt tokens evaluated per second of prefill.', labelNames: byOrigin, registers,
      buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000],
    });
    this.answers = new Counter({ name: 'lockstep_answers_total', help: 'Answers completed.', labelNames: byOrigin, registers });
    this.errors = new Counter({ name: 'lockstep_errors_total', help: 'Answers that failed, by error code.', labelNames: ['code'], registers });
    this.fallbacks = new Counter({ name: 'lockstep_fallbacks_total', help: 'Answers moved from one channel to another.', labelNames: ['from', 'to'], registers });
    this.cacheHits = new Counter({ name: 'lockstep_cache_hits_total', help: 'Answers served from the answer cache.', registers });
    this.workerCrashes = new Counter({ name: 'lockstep_worker_crashes_total', help: 'Worker threads that died unexpectedly.', labelNames: ['worker'], registers });
    this.unitUtilisation = new Gauge({
      name: 'lockstep_lpu_unit_utilisation_ratio', help: "Busy fraction of each emulated chip's functional unit over a decode step of the last LPU answer.",
      labelNames: ['chip', 'unit'], registers,
    });
    this.sramBytes = new Gauge({ name: 'lockstep_lpu_sram_bytes', help: 'Planned SRAM bytes in use on each emulated chip.', labelNames: ['chip'], registers });
    this.sramOccupancy = new Gauge({ name: 'lockstep_lpu_sram_occupancy_ratio', help: "Share of each emulated chip's SRAM in use.", labelNames: ['chip'], registers });
    const { sources } = options;
    new Gauge({ name: 'lockstep_workers', help: 'Worker threads running (ingest, embedding, LPU chips).', registers, collect() { this.set(sources.workerCount()); } });
    new Gauge({ name: 'lockstep_ingest_queue_depth', help: 'Ingest jobs queued, paused or running.', registers, collect() { this.set(sources.ingestQueueDepth()); } });
    new Gauge({ name: 'lockstep_ingest_pages_per_second', help: 'Pages indexed per second over the last minute.', registers, collect() { this.set(sources.ingestPagesPerSecond()); } });
    // Counters owned by the vector store: read whole at scrape time, so reset and set to the running totals.
    new Counter({
      name: 'lockstep_hot_vector_searches_total', help: 'Vector searches of hot workspaces, by path: the int8 arena, or exact while no current arena is loaded.',
      labelNames: ['path'], registers,
      collect() {
        const counts = sources.hotSearches();
        this.reset();
        this.inc({ path: 'arena' }, counts.arena);
        this.inc({ path: 'exact' }, counts.exact);
      },
    });
    new Counter({
      name: 'lockstep_hot_vector_arena_loads_total', help: 'Int8 vector arenas loaded for hot workspaces.', registers,
      collect() {
        this.reset();
        this.inc(sources.hotSearches().loads);
      },
    });
    new Gauge({ name: 'lockstep_process_resident_memory_bytes', help: 'Resident set size of the Lockstep process.', registers, collect() { this.set(sources.residentBytes()); } });
  }

  recordAnswer(answer: AnswerObservation): void {
    const labels = { provider: answer.provider, model: answer.model };
    this.answers.inc(labels);
    if (answer.ttftMs !== null) this.ttft.observe(labels, answer.ttftMs / 1000);
    for (const gap of answer.tokenIntervalsMs) this.tokenInterval.observe(labels, gap / 1000);
    if (answer.retrievalMs !== null) this.retrieval.observe(labels, answer.retrievalMs / 1000);
    if (answer.prefillTokensPerSecond !== null) this.prefillRate.observe(labels, answer.prefillTokensPerSecond);
    if (answer.lpu) this.setLpuGauges(answer.lpu);
    this.options.onEvent?.(healthEvent('answer', {
      ...labels, ttftMs: answer.ttftMs, tokensPerSecond: answer.tokensPerSecond,
      tokenIntervalP95Ms: percentile(answer.tokenIntervalsMs, 0.95), retrievalMs: answer.retrievalMs,
    }));
  }

  recordError(code: string, origin?: AnswerOrigin): void {
    this.errors.inc({ code });
    this.options.onEvent?.(healthEvent('error', { provider: origin?.provider ?? null, model: origin?.model ?? null, code }));
  }

  recordFallback(from: string, to: string, reason?: string): void {
    this.fallbacks.inc({ from, to });
    this.options.onEvent?.(healthEvent('fallback', { provider: from, code: reason ?? null, detail: `${from}→${to}` }));
  }

  recordCacheHit(origin?: AnswerOrigin): void {
    this.cacheHits.inc();
    this.options.onEvent?.(healthEvent('cache_hit', { provider: origin?.provider ?? null, model: origin?.model ?? null }));
  }

  recordWorkerCrash(worker: string): void {
    this.workerCrashes.inc({ worker });
    this.options.onEvent?.(healthEvent('worker_crash', { detail: worker }));
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private setLpuGauges(lpu: LpuObservation): void {
    // A model with fewer chips than the last one must not leave the old chips' series behind.
    this.unitUtilisation.reset();
    this.sramBytes.reset();
    this.sramOccupancy.reset();
    lpu.utilisationPerChip.forEach((units, chip) => {
      for (const [unit, value] of Object.entries(units)) this.unitUtilisation.set({ chip: String(chip), unit }, value);
    });
    lpu.sramBytesPerChip.forEach((bytes, chip) => {
      this.sramBytes.set({ chip: String(chip) }, bytes);
      if (lpu.sramCapacityPerChip) this.sramOccupancy.set({ chip: String(chip) }, bytes / lpu.sramCapacityPerChip);
    });
  }
}

function healthEvent(kind: HealthEvent['kind'], fields: Partial<Omit<HealthEvent, 'kind' | 'at'>>): HealthEvent {
  return {
    kind, at: Date.now(), provider: null, model: null, ttftMs: null, tokensPerSecond: null, tokenIntervalP95Ms: null, retrievalMs: null, code: null, detail: null,
    ...fields,
  };
}
