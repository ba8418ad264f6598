import { parentPort, workerData } from 'node:worker_threads';
import { toWireError } from '../../shared/errors';
import { log } from '../platform/log';
import { describeForLog } from './failure';
import { streamFile } from './parse';
import type { IngestWorkerData, IngestWorkerReply, IngestWorkerRequest, ParseJobRequest } from './protocol';
import { estimatedTokenCounter, loadTokenCounter, type TokenCounter } from './tokens';
import { useThreadBudget } from './converters/pdf-pages';
import { ThreadBudget } from './thread-budget';
import { useOcrThreadBudget } from './ocr/shared-pool';

// Parsing and chunking off the main thread; one file at a time, its pages and chunks posted in batches as they are
// ready, never more than the request's credits unacknowledged. The queue terminates this worker to cancel a file.

const config = workerData as IngestWorkerData;
if (config.threadBudget) {
  const budget = new ThreadBudget(config.threadBudget);
  useThreadBudget(budget);
  useOcrThreadBudget(budget);
}
let counter: Promise<TokenCounter> | undefined;

function tokenCounter(): Promise<TokenCounter> {
  counter ??= config.tokenizerFolder
    ? loadTokenCounter(config.tokenizerFolder).catch((error: unknown) => {
        process.stderr.write(`[lockstep ingest worker] tokenizer ${config.tokenizerFolder} unusable, estimating tokens: ${String(error)}\n`);
        return estimatedTokenCounter;
      })
    : Promise.resolve(estimatedTokenCounter);
  return counter;
}

const reply = (message: IngestWorkerReply) => parentPort!.postMessage(message);

/** Credit-based flow control for one parse: each batch spends a credit, each ack from the queue returns one. */
class BatchCredits {
  private waiter: (() => void) | null = null;

  constructor(private available: number) {}

  spend(): void {
    this.available--;
  }

  grant(): void {
    this.available++;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** Resolves once a batch may be posted; undefined (no wait) while credit is left. */
  ready(): Promise<void> | undefined {
    if (this.available > 0) return undefined;
    return new Promise<void>((resolve) => (this.waiter = resolve)).then(() => this.ready());
  }
}

const credits = new Map<number, BatchCredits>();

// pdf.js leaves some internal promises rejected on damaged files after their parse has already failed or finished:
// logged, not fatal, so one damaged PDF cannot take down the reader for the next file.
process.on('unhandledRejection', (reason) => log.warn('ingest worker: a parser left a promise rejected', reason));

function parse({ seq, request, credits: initial }: ParseJobRequest): void {
  const flow = new BatchCredits(Math.max(1, initial));
  credits.set(seq, flow);
  (async () => {
    const result = await streamFile(
      request,
      await tokenCounter(),
      (stage, pagesDone, pagesTotal, fraction) => reply({ seq, type: 'progress', stage, pagesDone, pagesTotal, fraction }),
      (pages, chunks) => {
        flow.spend();
        reply({ seq, type: 'batch', pages, chunks });
      },
      () => flow.ready(),
    );
    reply({ seq, type: 'result', result });
  })()
    .catch((error: unknown) => {
      // The main thread logs the details; the user sees only the wire error's sentence.
      reply({ seq, type: 'error', error: toWireError(error), logDetail: describeForLog(error) });
    })
    .finally(() => credits.delete(seq));
}

parentPort!.on('message', (message: IngestWorkerRequest) => {
  if (message.type === 'ack') credits.get(message.seq)?.grant();
  else parse(message);
});
