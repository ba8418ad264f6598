import type { AnswerMeters, ChatEvent } from '../../shared/contract/chat';
import { AppError } from '../../shared/errors';
import { log } from '../platform/log';
import { lpuObservation, prefillRate, tokensPerSecond } from './meter-figures';
import type { AnswerObservation, MetricsRecorder } from './metrics';

// Reads one answer's stream of events as it passes and records it: TTFT and token gaps timed here on the wall
// clock (what the user waits for, whichever provider answers), the provider's own figures from its meters,
// fallbacks from their notices, failures from the error that ends the answer.

type Emit = (event: ChatEvent) => void;

export interface AnswerTap {
  /** Forwards every event after noting it. */
  emit: Emit;
  /** The answer failed with `error` (cancellation is not a failure). */
  failed(error: unknown): void;
}

export function tapAnswer(recorder: MetricsRecorder, emit: Emit, clock: () => number = () => performance.now()): AnswerTap {
  let origin = { provider: 'extractive', model: 'extractive' };
  let startedAt = clock();
  let retrievalMs: number | null = null;
  let firstTokenAt: number | null = null;
  let lastTokenAt: number | null = null;
  let intervals: number[] = [];
  let meters: AnswerMeters | null = null;
  let cached = false;
  /** The degradation chain's step answering now, when the chain named it (the single-worker LPU is still 'lpu'). */
  let channel: string | null = null;

  const token = () => {
    const now = clock();
    if (firstTokenAt === null) firstTokenAt = now;
    if (lastTokenAt !== null) intervals.push(now - lastTokenAt);
    lastTokenAt = now;
  };

  const note = (event: ChatEvent) => {
    switch (event.type) {
      case 'started':
        origin = { provider: event.provider, model: event.model };
        channel = null;
        startedAt = clock();
        break;
      case 'sources':
        retrievalMs ??= clock() - startedAt;
        break;
      case 'delta':
        if (event.text || event.token) token();
        break;
      case 'reasoning':
        token();
        break;
      case 'meters':
        meters = event.meters;
        break;
      case 'notice':
        if (event.kind === 'cached') {
          cached = true;
          recorder.recordCacheHit(origin);
        }
        if (event.kind === 'degraded' && event.channel) channel = event.channel;
        if (event.kind === 'fallback') {
          const to = event.channel ?? event.fallbackTo ?? 'extractive';
          // The notice names the channel that gave up when more than Groq can (fallbackFrom); otherwise it was Groq.
          const from = (event as { fallbackFrom?: string }).fallbackFrom ?? channel ?? origin.provider;
          recorder.recordFallback(from, to, `${from}_unreachable`);
          channel = to;
          origin = { provider: event.fallbackTo ?? 'extractive', model: event.model ?? to };
        }
        // What streamed before a reset belonged to a channel that gave up: its gaps are not this answer's.
        if (event.resetText) {
          lastTokenAt = null;
          intervals = [];
        }
        break;
      case 'done':
        if (event.message.status === 'complete' && !cached) {
          const final = event.message.meters ?? meters;
          recorder.recordAnswer(observe({ provider: event.message.provider ?? origin.provider, model: event.message.model ?? origin.model }, final));
        }
        break;
    }
  };

  const observe = (by: { provider: string; model: string }, final: AnswerMeters | null): AnswerObservation => ({
    ...by,
    ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
    tokenIntervalsMs: intervals,
    tokensPerSecond: tokensPerSecond(final, intervals),
    retrievalMs: final?.provider === 'lpu' && final.ttftSplitMs?.retrieval ? final.ttftSplitMs.retrieval : retrievalMs,
    prefillTokensPerSecond: prefillRate(final),
    lpu: final?.provider === 'lpu' ? lpuObservation(final) : undefined,
  });

  return {
    emit(event) {
      // Measuring must never cost an answer: a failure to record is logged and the event goes on.
      try {
        note(event);
      } catch (error) {
        log.warn('could not record the answer in the metrics', error);
      }
      emit(event);
    },
    failed(error) {
      if (error instanceof AppError && error.code === 'cancelled') return;
      try {
        recorder.recordError(error instanceof AppError ? error.code : 'internal', origin);
      } catch (recording) {
        log.warn('could not record the failed answer in the metrics', recording);
      }
    },
  };
}
