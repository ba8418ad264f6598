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
  /** Where answers really go from now: `to`, or extractive when `to` is a local channel and no local chat model is installed. */
  answersOn: AnswerChannel;
  /** What crossed its threshold ("token-interval p95 exceeded 120 ms (measured 480 ms)"); for recoveries, the quiet period. */
  reason: string;
  /** One sentence for the toast and the log. */
  message: string;
}

export interface DegradationState {
  /** The best channel answers may use now: 'groq' when nothing is stepped down. */
  floor: AnswerChannel;
  /** Where answers below the cloud go now: the floor, or extractive when it is a local channel and no local chat model is installed. */
  answersOn: AnswerChannel;
  /** False when no local chat model is installed (the LPU channels cannot answer). */
  localModelInstalled: boolean;
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
  /** Whether a local chat model is installed; without one the LPU steps answer with extractive sentences. */
  localModel?: LocalModelProbe;
}

/** The narrow question the chain asks of the model registry. */
export interface LocalModelProbe {
  installed(): Promise<boolean>;
}

/** A step down taken for slowness alone, kept only if the new channel measures faster than the one it left. */
interface SlownessTrial {
  fromLevel: number;
  metric: LatencyMetric;
  /** The left channel's p95 of `metric` when it crossed its threshold. */
  baselineMs: number;
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
  private localInstalled = true;
  private trial: SlownessTrial | null = null;
  /** Levels whose slowness step-down was tried and was not faster: slowness alone does not move them until this time. */
  private readonly slownessHeldUntil = new Map<number, number>();

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

  /** Asks the registry again whether a local chat model is installed (the answer path calls it before routing). */
  async refreshLocalModel(): Promise<boolean> {
    if (this.options.localModel) this.localInstalled = await this.options.localModel.installed().catch(() => this.localInstalled);
    return this.localInstalled;
  }

  /** The channel that really answers at `level`: without a local model the LPU steps hand answers to sentences. */
  private answersOnAt(level: number): AnswerChannel {
    const channel = channelAt(level);
    return LEVEL[channel] >= 1 && !this.localInstalled ? 'extractive' : channel;
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
    if (this.judgeTrial(sample)) return;
    this.evaluate(sample.channel);
  }

  /**
   * After a step down for slowness, the new channel's answers decide whether it stays: once MIN_ANSWERS of them have
   * the metric, a p95 no lower than the left channel's steps back up (one worker is slower than two on a saturated
   * machine). True when the floor moved back.
   */
  private judgeTrial(sample: AnswerSample): boolean {
    const trial = this.trial;
    if (!trial || !sample.ok || LEVEL[sample.channel] !== this.level) return false;
    const answered = this.samples.filter((s) => s.at >= this.since && s.value.ok && LEVEL[s.value.channel] === this.level).map((s) => s.value);
    const figures = answered.filter((s) => latencyFigures(s, trial.metric).length > 0);
    if (figures.length < MIN_ANSWERS) return false;
    this.trial = null;
    const measured = percentile(figures.flatMap((s) => latencyFigures(s, trial.metric)), 0.95)!;
    if (measured < trial.baselineMs) return false;
    const from = channelAt(this.level);
    const to = channelAt(trial.fromLevel);
    const now = this.now();
    this.slownessHeldUntil.set(trial.fromLevel, now + (this.options.quietMs?.() ?? 5 * 60_000));
    this.level = trial.fromLevel;
    this.since = now;
    const reason = `${channelPhrase(from)} was not faster (${METRIC_NAME[trial.metric]} p95 ${Math.round(measured)} ms against ${Math.round(trial.baselineMs)} ms)`;
    this.reason = this.level === 0 ? null : reason;
    this.raise('recovered', from, to, reason, `Back on ${channelPhrase(this.answersOnAt(this.level))}: ${reason}.`, now);
    return true;
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
      answersOn: this.answersOnAt(this.level),
      localModelInstalled: this.localInstalled,
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
      this.trial = null;
      if (this.level === 0) this.reason = null;
      const to = channelAt(this.level);
      const minutes = Math.round(quietMs / 6000) / 10;
      this.raise('recovered', from, to, `no trouble for ${minutes} min`, `Back on ${channelPhrase(this.answersOnAt(this.level))}: no trouble for ${minutes} min.`, movedAt);
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
    // Slowness alone never drops the last model channel to extractive sentences (that trades the model away, not
    // time), nor a channel whose step down was just measured not to be faster.
    const latencyCounts = level + 1 < LOWEST_LEVEL && now >= (this.slownessHeldUntil.get(level) ?? 0);
    const crossed = crossing(mine, this.crashes.filter((c) => c.at >= from && LEVEL[c.value] === level).length, thresholds, latencyCounts);
    if (!crossed) return;
    this.lastTroubleAt = now;
    if (level + 1 > this.level && level < LOWEST_LEVEL) {
      this.stepDown(channel, level + 1, crossed.reason);
      this.trial = crossed.latency ? { fromLevel: level, metric: crossed.latency.metric, baselineMs: crossed.latency.measuredMs } : null;
    }
  }

  private stepDown(from: AnswerChannel, level: number, reason: string): void {
    this.level = level;
    this.reason = reason;
    this.since = this.now();
    const to = channelAt(level);
    const answersOn = this.answersOnAt(level);
    const how = answersOn === to ? channelPhrase(to) : `${channelPhrase(answersOn)}, as no local chat model is installed`;
    this.raise('stepped_down', from, to, reason, `Answering on ${how}: ${reason} on ${channelPhrase(from)}.`, this.since);
  }

  private raise(kind: DegradationAlert['kind'], from: AnswerChannel, to: AnswerChannel, reason: string, message: string, at: number): void {
    const alert: DegradationAlert = { id: this.nextAlertId++, at, kind, from, to, answersOn: this.answersOnAt(LEVEL[to]), reason, message };
    this.steps[`${from}→${to}`] = (this.steps[`${from}→${to}`] ?? 0) + 1;
    if (kind === 'stepped_down') this.unseen += 1;
    this.recent.unshift(alert);
    this.recent.length = Math.min(this.recent.length, RECENT_ALERTS);
    this.options.log?.(message);
    for (const listener of this.listeners) listener(alert);
  }
}

type LatencyMetric = 'ttft' | 'interval';
const METRIC_NAME: Record<LatencyMetric, string> = { ttft: 'TTFT', interval: 'token-interval' };

function latencyFigures(sample: AnswerSample, metric: LatencyMetric): number[] {
  if (metric === 'interval') return sample.tokenIntervalsMs ?? [];
  return sample.ttftMs === undefined ? [] : [sample.ttftMs];
}

interface Crossing {
  reason: string;
  /** Set when slowness alone crossed: which figure and its p95. */
  latency?: { metric: LatencyMetric; measuredMs: number };
}

/** The first threshold the window crosses, as a reason, or null. Crashes first: they say the most. */
export function crossedThreshold(samples: AnswerSample[], crashes: number, t: HealthThresholds, latencyCounts = true): string | null {
  return crossing(samples, crashes, t, latencyCounts)?.reason ?? null;
}

function crossing(samples: AnswerSample[], crashes: number, t: HealthThresholds, latencyCounts: boolean): Crossing | null {
  if (crashes >= t.workerCrashes) return { reason: `${crashes} worker crash${crashes === 1 ? '' : 'es'} in ${t.errorWindowMin} min reached the limit of ${t.workerCrashes}` };
  if (samples.length >= MIN_ANSWERS) {
    const failed = samples.filter((s) => !s.ok).length;
    const rate = (failed / samples.length) * 100;
    if (rate > t.errorRatePct) return { reason: `error rate ${Math.round(rate)}% (${failed} of ${samples.length} answers in ${t.errorWindowMin} min) exceeded ${t.errorRatePct}%` };
  }
  const answered = samples.filter((s) => s.ok);
  if (latencyCounts && answered.length >= MIN_ANSWERS) {
    for (const [metric, limit] of [['ttft', t.ttftP95Ms], ['interval', t.tokenIntervalP95Ms]] as const) {
      const p95 = percentile(answered.flatMap((s) => latencyFigures(s, metric)), 0.95);
      if (p95 !== null && p95 > limit) return { reason: `${METRIC_NAME[metric]} p95 exceeded ${limit} ms (measured ${Math.round(p95)} ms)`, latency: { metric, measuredMs: p95 } };
    }
  }
  return null;
}
