import type { AnswerChannel } from '../../shared/contract/chat';
import type { Settings } from '../../shared/settings';
import { percentile } from './percentile';

// The degradation policy: the answering channels form a chain, fastest first — a cloud provider (Groq or an
// OpenAI-compatible server), the LPU emulator on all its workers, the LPU on one worker (the CPU channel: no
// cross-worker synchronisation, the smallest memory), extractive sentences. Answers report how each channel
// behaved; when a channel crosses a threshold (TTFT p95, token-interval p95, error rate over the window, worker
// crashes), the floor of the chain steps below it and an alert is raised. After each quiet period with no new
// trouble the floor climbs back one step. Every decision is a pure function of the samples and an injectable clock.

export type HealthThresholds = Settings['healthThresholds'];

/** Position in the chain: 0 the cloud, 1 the LPU on all workers, 2 on one worker, 3 extractive. */
const LEVEL: Record<AnswerChannel, number> = { groq: 0, openai: 0, lpu: 1, lpu_single: 2, extractive: 3 };
const LOCAL_CHANNELS: AnswerChannel[] = ['lpu', 'lpu_single', 'extractive'];
export const LOWEST_LEVEL = 3;

export function channelLevel(channel: AnswerChannel): number {
  return LEVEL[channel];
}

/** The channel at `level`; level 0 is whichever cloud provider was chosen. */
export function channelAt(level: number, cloud: AnswerChannel = 'groq'): AnswerChannel {
  return level <= 0 ? cloud : LOCAL_CHANNELS[Math.min(level, LOWEST_LEVEL) - 1]!;
}

const CHANNEL_PHRASE: Record<AnswerChannel, string> = {
  groq: 'Groq',
  openai: 'the OpenAI-compatible server',
  lpu: 'the LPU emulator on all its workers',
  lpu_single: 'the single-worker CPU channel',
  extractive: 'the extractive channel (sentences from your documents)',
};

export function channelPhrase(channel: AnswerChannel): string {
  return CHANNEL_PHRASE[channel];
}

/** Errors after which the same answer is tried again one step down the chain. */
const CHANNEL_FAILURES = new Set(['groq_unreachable', 'openai_unreachable', 'lpu_failed', 'lpu_worker_crashed', 'lpu_load_failed']);

export function isChannelFailure(code: string | undefined): boolean {
  return code !== undefined && CHANNEL_FAILURES.has(code);
}

export interface AnswerSample {
  channel: AnswerChannel;
  ok: boolean;
  errorCode?: string;
  /** Wall time from asking the channel to its first token. */
  ttftMs?: number;
  /** Wall time between consecutive streamed tokens. */
  tokenIntervalsMs?: number[];
}

export interface DegradationAlert {
  id: number;
  at: number;
  kind: 'stepped_down' | 'recovered';
  from: AnswerChannel;
  to: AnswerChannel;
  /** What crossed its threshold ("token-interval p95 exceeded 120 ms (measured 480 ms)"); for recoveries, the quiet period. */
  reason: string;
  /** One sentence for the toast and the log. */
  message: string;
}

export interface DegradationState {
  /** The best channel answers may use now: 'groq' when nothing is stepped down. */
  floor: AnswerChannel;
  /** Why the floor stands where it does (null at the top of the chain). */
  reason: string | null;
  /** When the floor last moved (ms since the epoch), 0 if never. */
  since: number;
  /** Alerts raised since the user last looked at them (the badge count). */
  unseenAlerts: number;
  /** Steps taken, by "from→to". */
  steps: Record<string, number>;
  recent: DegradationAlert[];
}

export interface Route {
  channel: AnswerChannel;
  /** Set when the chain stands below the preferred channel: why. */
  reason?: string;
}

interface Timed<T> {
  at: number;
  value: T;
}

/** Fewest answers in the window before a percentile or an error rate is trusted. */
const MIN_ANSWERS = 3;
/** Alerts kept for the UI. */
const RECENT_ALERTS = 20;

export interface DegradationOptions {
  thresholds: () => HealthThresholds;
  /** Quiet time after which the floor climbs one step (default 5 minutes). */
  quietMs?: () => number;
  now?: () => number;
  log?: (message: string) => void;
  /** A worker thread of `channel`'s model died (the metrics count it). */
  onWorkerCrash?: (channel: AnswerChannel) => void;
}

export class DegradationPolicy {
  private level = 0;
  private reason: string | null = null;
  /** When the floor last moved: samples from before it describe another situation. */
  private since = 0;
  private lastTroubleAt = 0;
  private samples: Timed<AnswerSample>[] = [];
  private crashes: Timed<AnswerChannel>[] = [];
  private unseen = 0;
  private nextAlertId = 1;
  private readonly steps: Record<string, number> = {};
  private readonly recent: DegradationAlert[] = [];
  private readonly listeners = new Set<(alert: DegradationAlert) => void>();
  private readonly now: () => number;

  constructor(private readonly options: DegradationOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The channel an answer that prefers `preferred` should use now. */
  route(preferred: AnswerChannel): Route {
    this.recover();
    const level = Math.max(LEVEL[preferred], this.level);
    if (level === LEVEL[preferred]) return { channel: preferred };
    return { channel: channelAt(level, preferred), reason: this.reason ?? undefined };
  }

  /** Where an answer that failed on `failed` goes next: one step down, and never above the floor. */
  next(failed: AnswerChannel): AnswerChannel | null {
    const level = Math.max(LEVEL[failed] + 1, this.level);
    return level > LOWEST_LEVEL ? null : channelAt(level);
  }

  /** One answer's outcome on one channel (an answer that fell back reports each channel it tried). */
  record(sample: AnswerSample): void {
    const at = this.now();
    this.samples.push({ at, value: sample });
    if (sample.errorCode === 'lpu_worker_crashed') {
      this.crashes.push({ at, value: sample.channel });
      this.options.onWorkerCrash?.(sample.channel);
    }
    // Any failure where answers are served now, over a threshold or not, means the period is not quiet.
    if (!sample.ok && LEVEL[sample.channel] >= this.level) this.lastTroubleAt = at;
    this.evaluate(sample.channel);
  }

  /** A worker died outside an answer (the pool noticed it between requests). */
  recordWorkerCrash(channel: AnswerChannel): void {
    this.crashes.push({ at: this.now(), value: channel });
    this.options.onWorkerCrash?.(channel);
    if (LEVEL[channel] >= this.level) this.lastTroubleAt = this.now();
    this.evaluate(channel);
  }

  state(): DegradationState {
    this.recover();
    return {
      floor: channelAt(this.level),
      reason: this.reason,
      since: this.since,
      unseenAlerts: this.unseen,
      steps: { ...this.steps },
      recent: [...this.recent],
    };
  }

  /** The user opened the alerts: the badge count starts again from zero. */
  markSeen(): DegradationState {
    this.unseen = 0;
    return this.state();
  }

  onAlert(listener: (alert: DegradationAlert) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Climbs one step per quiet period since the floor last moved or trouble was last seen. Call on a timer or lazily. */
  recover(): void {
    const quietMs = this.options.quietMs?.() ?? 5 * 60_000;
    const now = this.now();
    while (this.level > 0 && now - Math.max(this.since, this.lastTroubleAt) >= quietMs) {
      const from = channelAt(this.level);
      const movedAt = Math.max(this.since, this.lastTroubleAt) + quietMs;
      this.level -= 1;
      this.since = movedAt;
      if (this.level === 0) this.reason = null;
      const to = channelAt(this.level);
      const minutes = Math.round(quietMs / 6000) / 10;
      this.raise('recovered', from, to, `no trouble for ${minutes} min`, `Back on ${channelPhrase(to)}: no trouble for ${minutes} min.`, movedAt);
    }
  }

  private evaluate(channel: AnswerChannel): void {
    const level = LEVEL[channel];
    // Trouble on a channel the floor already stands below changes nothing.
    if (level < this.level) return;
    const thresholds = this.options.thresholds();
    const now = this.now();
    const from = Math.max(now - thresholds.errorWindowMin * 60_000, this.since);
    this.samples = this.samples.filter((s) => s.at >= now - thresholds.errorWindowMin * 60_000);
    this.crashes = this.crashes.filter((c) => c.at >= now - thresholds.errorWindowMin * 60_000);
    const mine = this.samples.filter((s) => s.at >= from && LEVEL[s.value.channel] === level).map((s) => s.value);
    // Slowness alone never drops the last model channel to extractive sentences: that trades the model away, not time.
    const crossed = crossedThreshold(
      mine,
      this.crashes.filter((c) => c.at >= from && LEVEL[c.value] === level).length,
      thresholds,
      level + 1 < LOWEST_LEVEL,
    );
    if (!crossed) return;
    this.lastTroubleAt = now;
    if (level + 1 > this.level && level < LOWEST_LEVEL) this.stepDown(channel, level + 1, crossed);
  }

  private stepDown(from: AnswerChannel, level: number, reason: string): void {
    this.level = level;
    this.reason = reason;
    this.since = this.now();
    const to = channelAt(level);
    this.raise('stepped_down', from, to, reason, `Answering on ${channelPhrase(to)}: ${reason} on ${channelPhrase(from)}.`, this.since);
  }

  private raise(kind: DegradationAlert['kind'], from: AnswerChannel, to: AnswerChannel, reason: string, message: string, at: number): void {
    const alert: DegradationAlert = { id: this.nextAlertId++, at, kind, from, to, reason, message };
    this.steps[`${from}→${to}`] = (this.steps[`${from}→${to}`] ?? 0) + 1;
    if (kind === 'stepped_down') this.unseen += 1;
    this.recent.unshift(alert);
    this.recent.length = Math.min(this.recent.length, RECENT_ALERTS);
    this.options.log?.(message);
    for (const listener of this.listeners) listener(alert);
  }
}

/** The first threshold the window crosses, as a reason, or null. Crashes first: they say the most. */
export function crossedThreshold(samples: AnswerSample[], crashes: number, t: HealthThresholds, latencyCounts = true): string | null {
  if (crashes >= t.workerCrashes) return `${crashes} worker crash${crashes === 1 ? '' : 'es'} in ${t.errorWindowMin} min reached the limit of ${t.workerCrashes}`;
  if (samples.length >= MIN_ANSWERS) {
    const failed = samples.filter((s) => !s.ok).length;
    const rate = (failed / samples.length) * 100;
    if (rate > t.errorRatePct) return `error rate ${Math.round(rate)}% (${failed} of ${samples.length} answers in ${t.errorWindowMin} min) exceeded ${t.errorRatePct}%`;
  }
  const answered = samples.filter((s) => s.ok);
  if (latencyCounts && answered.length >= MIN_ANSWERS) {
    const ttft = percentile(answered.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs])), 0.95);
    if (ttft !== null && ttft > t.ttftP95Ms) return `TTFT p95 exceeded ${t.ttftP95Ms} ms (measured ${Math.round(ttft)} ms)`;
    const interval = percentile(answered.flatMap((s) => s.tokenIntervalsMs ?? []), 0.95);
    if (interval !== null && interval > t.tokenIntervalP95Ms) return `token-interval p95 exceeded ${t.tokenIntervalP95Ms} ms (measured ${Math.round(interval)} ms)`;
  }
  return null;
}
