import { hotSearchCounts } from '../embed/hot-vectors';
import { onWorkerCrash, runningWorkerCount } from '../platform/workers';
import type { Db } from '../store/db';
import { tapAnswer } from './answer-tap';
import { HealthHistory } from './health-history';
import { Metrics } from './metrics';

export { Metrics, type MetricsRecorder, type AnswerObservation } from './metrics';
export { HealthHistory, type HealthSummary } from './health-history';

/** Metrics and their history for one process and data folder. */
export interface Ops {
  metrics: Metrics;
  history: HealthHistory;
  /** For AnswerDeps.answerTap: records each answer that streams through it. */
  tapAnswer: AnswerTapFactory;
  /** Closes a minute of history each minute (the app and `lockstep serve`; one-shot CLI commands do not). */
  startSampling(): void;
  close(): void;
}

type AnswerTapFactory = (emit: Parameters<typeof tapAnswer>[1]) => ReturnType<typeof tapAnswer>;

/** Ingest jobs waiting or running, across every process sharing the library. */
export function ingestQueueDepth(db: Db): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'ingest' AND state IN ('queued','running','paused')").get() as { n: number }).n;
}

/** Pages of the documents indexed in the last minute, per second (from the table both the app and the CLI write). */
export function ingestPagesPerSecond(db: Db, now = Date.now()): number {
  const row = db.prepare("SELECT COALESCE(SUM(page_count), 0) AS pages FROM documents WHERE status = 'indexed' AND updated_at >= ?").get(now - 60_000) as { pages: number };
  return row.pages / 60;
}

export function createOps(db: Db): Ops {
  const gauges = () => ({ residentBytes: process.memoryUsage.rss(), workers: runningWorkerCount(), ingestQueueDepth: ingestQueueDepth(db) });
  const history = new HealthHistory(db, { gauges });
  const metrics = new Metrics({
    sources: {
      workerCount: runningWorkerCount,
      ingestQueueDepth: () => ingestQueueDepth(db),
      ingestPagesPerSecond: () => ingestPagesPerSecond(db),
      residentBytes: () => process.memoryUsage.rss(),
      hotSearches: () => hotSearchCounts(db),
    },
    onEvent: (event) => history.append(event),
  });
  const stopCrashes = onWorkerCrash((worker) => metrics.recordWorkerCrash(worker));
  let stopSampling: (() => void) | null = null;
  return {
    metrics,
    history,
    tapAnswer: (emit) => tapAnswer(metrics, emit),
    startSampling() {
      stopSampling ??= history.startSampling();
    },
    close() {
      stopCrashes();
      stopSampling?.();
      stopSampling = null;
    },
  };
}
