import type { Worker } from 'node:worker_threads';
import { AppError, fromWireError, type WireError } from '../../shared/errors';
import { log } from './log';
import { reportWorkerCrash, startWorker } from './workers';

// The main-process side of a model worker (embedder, cross-encoder): one thread started on first use, seq-numbered
// requests answered in any order, errors from the wire, and every pending request failed when the thread dies.

/** One reply per request: the worker's answer, or its error on the wire with the cause's stack for the log. */
export type WorkerReply = { seq: number; ok: true } | { seq: number; ok: false; error: WireError; detail?: string };

export interface WorkerClientOptions {
  /** The worker's source path from src/main, as startWorker takes it. */
  script: string;
  /** Read when the thread starts (again, after a crash). */
  workerData(): unknown;
  /** The worker's name in crash reports and the metrics ('embed', 'rerank'). */
  crashLabel: string;
  /** What the pending requests fail with when the thread dies. */
  crashed(cause?: unknown): AppError;
  /** Starts the log line of a request the worker failed. */
  logPrefix: string;
}

interface Pending<Reply> {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

export class WorkerClient<Request extends object, Reply extends WorkerReply> {
  private worker: Worker | undefined;
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending<Extract<Reply, { ok: true }>>>();

  constructor(private readonly options: WorkerClientOptions) {}

  /** Posts `{ seq, ...body }`; an aborted signal rejects at once and drops the reply when it comes. */
  request(body: Request, signal?: AbortSignal): Promise<Extract<Reply, { ok: true }>> {
    const worker = this.ensureWorker();
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(seq);
        reject(signal!.reason instanceof Error ? signal!.reason : new AppError('cancelled', 'The request was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(finish: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        finish(value);
      };
      this.pending.set(seq, { resolve: settle(resolve), reject: settle(reject) });
      worker.postMessage({ seq, ...body });
    });
  }

  /** Stops the thread; requests still pending fail with `reason`. */
  async close(reason: AppError): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(reason);
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { script, workerData, crashLabel, crashed } = this.options;
    const worker = startWorker(script, { workerData: workerData() });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => {
      this.worker = undefined;
      reportWorkerCrash(crashLabel);
      this.failAll(crashed(error));
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(crashed());
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply) {
    const entry = this.pending.get(reply.seq);
    if (!entry) return;
    this.pending.delete(reply.seq);
    if (!reply.ok) {
      if (reply.detail) log.error(`${this.options.logPrefix}: ${reply.error.message}`, reply.detail);
      return entry.reject(fromWireError(reply.error));
    }
    entry.resolve(reply as Extract<Reply, { ok: true }>);
  }

  private failAll(error: AppError) {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }
}
