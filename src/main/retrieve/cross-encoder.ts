import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { AppError, fromWireError } from '../../shared/errors';
import { log } from '../platform/log';
import { reportWorkerCrash, startWorker } from '../platform/workers';
import type { CrossEncoderWorkerData, ScoreReply, ScoreRequest } from './cross-encoder-protocol';
import type { PassageScorer } from './rerank';

/** Pairs per worker round trip: small, so a cancelled search stops within one batch. */
const BATCH_SIZE = 8;

/** Files transformers.js reads for a quantised sequence-classification model. */
const CROSS_ENCODER_FILES = ['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'];

/** True when the folder holds the files a cross-encoder needs (whether they load is known only on first use). */
export const isCrossEncoderFolder = (folder: string) => CROSS_ENCODER_FILES.every((file) => existsSync(path.join(folder, file)));

interface Pending {
  resolve(scores: Float32Array): void;
  reject(error: Error): void;
}

/**
 * A cross-encoder (ms-marco-MiniLM, bge-reranker) from an installed model folder, run in its own worker thread as the
 * embedder is: query and passage are read together and the model's relevance logit is the score. Loaded on first use.
 */
export class CrossEncoderScorer implements PassageScorer {
  readonly name: string;
  private worker: Worker | undefined;
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    readonly modelFolder: string,
    name = path.basename(modelFolder),
  ) {
    this.name = name;
  }

  async score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    if (!isCrossEncoderFolder(this.modelFolder)) {
      throw new AppError('reranker_missing', `No reranking model is installed in ${this.modelFolder}. Install one from the Models page, or search without reranking.`);
    }
    const scores: number[] = [];
    for (let start = 0; start < passages.length; start += BATCH_SIZE) {
      signal?.throwIfAborted();
      scores.push(...(await this.request(query, passages.slice(start, start + BATCH_SIZE), signal)));
    }
    return scores;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new AppError('cancelled', 'The reranking model was closed.'));
    await worker?.terminate();
  }

  private request(query: string, passages: string[], signal?: AbortSignal): Promise<Float32Array> {
    const worker = this.ensureWorker();
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      // A cancelled search does not wait for the batch under way; its reply is dropped when it comes.
      const onAbort = () => {
        this.pending.delete(seq);
        reject(signal!.reason instanceof Error ? signal!.reason : new AppError('cancelled', 'The search was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(finish: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        finish(value);
      };
      this.pending.set(seq, { resolve: settle(resolve), reject: settle(reject) });
      worker.postMessage({ seq, query, passages } satisfies ScoreRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: CrossEncoderWorkerData = { modelFolder: this.modelFolder, threads: Math.max(1, Math.min(4, os.availableParallelism() - 1)) };
    const worker = startWorker('retrieve/cross-encoder.worker.ts', { workerData });
    const crashed = (cause?: unknown) =>
      new AppError('reranker_crashed', 'The reranking model stopped unexpectedly. Search again; if it keeps failing, reinstall the model.', cause);
    worker.on('message', (reply: ScoreReply) => this.settle(reply));
    worker.on('error', (error) => {
      this.worker = undefined;
      reportWorkerCrash('rerank');
      this.failAll(crashed(error));
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(crashed());
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: ScoreReply) {
    const entry = this.pending.get(reply.seq);
    if (!entry) return;
    this.pending.delete(reply.seq);
    if (!reply.ok) {
      if (reply.detail) log.error(`reranker ${this.name}: ${reply.error.message}`, reply.detail);
      return entry.reject(fromWireError(reply.error));
    }
    entry.resolve(reply.scores);
  }

  private failAll(error: AppError) {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }
}
