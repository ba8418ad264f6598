import type { Worker } from 'node:worker_threads';
import { AppError, fromWireError } from '../../shared/errors';
import { log } from '../platform/log';
import { reportWorkerCrash, startWorker } from '../platform/workers';
import { problems } from './outcome';
import type { Chunk } from './chunker';
import type { ParseProgress, ParseRequest, StoredPage, StreamResult } from './parse';
import { BATCH_CREDITS, type BatchAck, type IngestWorkerData, type IngestWorkerReply, type ParseJobRequest } from './protocol';

/** Takes one batch of a file's pages and chunks; the worker gets its credit back once this returns (or resolves). */
export type BatchConsumer = (pages: StoredPage[], chunks: Chunk[]) => void | Promise<void>;

// The main-thread side of the ingest worker: one file at a time, a watchdog against stalled parsers, and stop()
// which terminates the worker (the only way to interrupt a parser mid-page); the next file starts a fresh worker.
// The worker's heap is capped, and its death always becomes a reason that says what happened. Batches are handed to
// the consumer one at a time, in order, and acknowledged once it has taken each, so at most `batchCredits` wait here.

/** Heap for the document reader: parts are capped at 64 MB, and the worst parsers need about 20x a part. */
export const DEFAULT_READER_MEMORY_MB = 2048;

export class ParserWorker {
  private worker: Worker | null = null;
  private workerTokenizer: string | null = null;
  private nextSeq = 1;
  private onReply: ((reply: IngestWorkerReply) => void) | null = null;
  private onFailure: ((error: Error) => void) | null = null;
  /** Bumped by stop() and close(): a parse still waiting for its worker sees it and gives up. */
  private stops = 0;
  private closed = false;
  /** Batches received and not yet acknowledged, now and at most during the last parse (a probe for tests). */
  private inFlight = 0;
  peakBatchesInFlight = 0;

  constructor(
    private readonly tokenizerFolder: () => Promise<string | null>,
    private readonly stallTimeoutMs: number,
    private readonly memoryLimitMb = DEFAULT_READER_MEMORY_MB,
    /** The queue's thread budget, shared with the worker so a long PDF's helpers use only free cores. */
    private readonly threadBudget: SharedArrayBuffer | null = null,
    readonly batchCredits = BATCH_CREDITS,
  ) {}

  /** Parses one file; its pages and chunks reach `onBatch` in order while it runs, the totals come back at the end. */
  async parse(request: ParseRequest, onProgress: ParseProgress, onBatch: BatchConsumer = () => undefined): Promise<StreamResult> {
    const stopsBefore = this.stops;
    const worker = await this.ensureWorker();
    // Stopped (pause, cancel, close) while the worker was being prepared: the file must not be parsed.
    if (this.stops !== stopsBefore || this.closed) throw new AppError('cancelled', 'Cancelled.');
    const seq = this.nextSeq++;
    let watchdog: NodeJS.Timeout | undefined;
    this.inFlight = 0;
    this.peakBatchesInFlight = 0;
    // Batches are consumed in order, one after another; a failed consumer ends the chain and the parse.
    let consumed: Promise<void> = Promise.resolve();
    let failed = false;
    return new Promise<StreamResult>((resolve, reject) => {
      // A parser stuck on one page (pathological files exist) must not block the queue forever.
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          // A worker out of credit is waiting for us, not stalled.
          if (this.inFlight >= this.batchCredits) return arm();
          this.discard();
          const seconds = Math.round(this.stallTimeoutMs / 1000);
          reject(new AppError('parse_stalled', `Reading this file made no progress for ${seconds} s, so Lockstep stopped. It may be damaged; try re-indexing it.`));
        }, this.stallTimeoutMs);
      };
      arm();
      this.onFailure = reject;
      this.onReply = (reply) => {
        if (reply.seq !== seq) return;
        arm();
        if (reply.type === 'progress') onProgress(reply.stage, reply.pagesDone, reply.pagesTotal, reply.fraction);
        else if (reply.type === 'batch') {
          this.inFlight++;
          this.peakBatchesInFlight = Math.max(this.peakBatchesInFlight, this.inFlight);
          consumed = consumed.then(async () => {
            if (failed) return;
            try {
              await onBatch(reply.pages, reply.chunks);
            } catch (error) {
              // The receiving end failed (e.g. the disk is full): the rest of the file has nowhere to go.
              failed = true;
              this.discard();
              reject(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            this.inFlight--;
            arm();
            if (this.worker === worker) worker.postMessage({ seq, type: 'ack' } satisfies BatchAck);
          });
        } else if (reply.type === 'result') {
          const result = reply.result;
          void consumed.then(() => resolve(result));
        }
        else {
          log.warn(`ingest worker error ${reply.error.code}: ${reply.logDetail}`);
          reject(fromWireError(reply.error));
        }
      };
      worker.postMessage({ seq, type: 'parse', request, credits: this.batchCredits } satisfies ParseJobRequest);
    }).finally(() => {
      clearTimeout(watchdog);
      this.onReply = null;
      this.onFailure = null;
    });
  }

  /** Interrupts the file being parsed: its parse() rejects with `cancelled`. */
  stop(): void {
    this.stops++;
    const failure = this.onFailure;
    this.discard();
    failure?.(new AppError('cancelled', 'Cancelled.'));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stops++;
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  /** Detaches and stops the worker; its exit no longer affects any parse. */
  private discard(): void {
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }

  private async ensureWorker(): Promise<Worker> {
    const tokenizerFolder = await this.tokenizerFolder().catch(() => null);
    if (this.closed) throw new AppError('cancelled', 'Cancelled.'); // never start a worker nobody will terminate
    if (this.worker && this.workerTokenizer === tokenizerFolder) return this.worker;
    this.discard();
    this.workerTokenizer = tokenizerFolder;
    const workerData: IngestWorkerData = { tokenizerFolder, threadBudget: this.threadBudget };
    const worker = startWorker('ingest/ingest.worker.ts', { workerData, resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb } });
    worker.on('message', (reply: IngestWorkerReply) => this.onReply?.(reply));
    // Only the current worker's death fails the running parse; discarded workers were detached first.
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.worker = null;
      log.error('ingest worker died', error);
      reportWorkerCrash('ingest');
      this.onFailure?.(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? problems.outOfMemory(this.memoryLimitMb) : problems.readerCrashed('hit an internal error'));
    });
    worker.on('exit', (exitCode) => {
      if (this.worker !== worker) return;
      this.worker = null;
      log.error(`ingest worker exited with code ${exitCode}`);
      reportWorkerCrash('ingest');
      this.onFailure?.(problems.readerCrashed(`exited unexpectedly (code ${exitCode})`));
    });
    this.worker = worker;
    return worker;
  }
}
