import { AppError } from '../../shared/errors';
import type { GenerationResult, ProviderEvent } from '../providers/provider';
import { log } from '../platform/log';
import { lpuObservation, prefillRate, tokensPerSecond } from './meter-figures';
import type { AnswerOrigin, MetricsRecorder } from './metrics';

// Records a generation that does not go through the answer pipeline (the local API's chat completions): TTFT and
// token gaps on the wall clock from the request, the provider's own figures from its result. No retrieval happens.

export interface GenerationTap {
  /** Pass every provider event through, before using it. */
  event(event: ProviderEvent): void;
  completed(result: GenerationResult): void;
  /** Cancellation is not a failure. */
  failed(error: unknown): void;
}

export function tapGeneration(recorder: MetricsRecorder, origin: AnswerOrigin, clock: () => number = () => performance.now()): GenerationTap {
  const startedAt = clock();
  let firstTokenAt: number | null = null;
  let lastTokenAt: number | null = null;
  const intervals: number[] = [];
  // Measuring must never cost a completion: a failure to record is logged.
  const safely = (record: () => void) => {
    try {
      record();
    } catch (error) {
      log.warn('could not record the completion in the metrics', error);
    }
  };
  return {
    event(event) {
      if ((event.type === 'delta' && (event.text || event.token)) || event.type === 'reasoning') {
        const now = clock();
        firstTokenAt ??= now;
        if (lastTokenAt !== null) intervals.push(now - lastTokenAt);
        lastTokenAt = now;
      }
    },
    completed(result) {
      safely(() =>
        recorder.recordAnswer({
          ...origin,
          ttftMs: firstTokenAt === null ? null : firstTokenAt - startedAt,
          tokenIntervalsMs: intervals,
          tokensPerSecond: tokensPerSecond(result.meters, intervals),
          retrievalMs: null,
          prefillTokensPerSecond: prefillRate(result.meters),
          lpu: result.meters.provider === 'lpu' ? lpuObservation(result.meters) : undefined,
        }),
      );
    },
    failed(error) {
      if (error instanceof AppError && error.code === 'cancelled') return;
      safely(() => recorder.recordError(error instanceof AppError ? error.code : 'internal', origin));
    },
  };
}
