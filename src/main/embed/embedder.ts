import type { Worker } from 'node:worker_threads';
import os from 'node:os';
import { AppError, fromWireError } from '../../shared/errors';
import { log } from '../platform/log';
import { reportWorkerCrash, startWorker } from '../platform/workers';
import type { EmbedderWorkerData, EmbedReply, EmbedRequest } from './protocol';
import type { EmbedderModel } from './models';

/** Texts per worker round trip: large enough to amortise padding and messaging, small enough to cancel promptly. */
const BATCH_SIZE = 16;

interface Pending {
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

/** One embedding model running in its own worker thread; requests are seq-numbered and answered in any order. */
export class Embedder {
  private worker: Worker | undefined;
  private nextSeq = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(readonly model: EmbedderModel) {}

  /** Embeds passages (chunks) with the model's passage prefix; onProgress hears texts done of all after each batch. */
  embedPassages(texts: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    return this.embedAll(texts.map((text) => this.model.passagePrefix + text), signal, onProgress);
  }

  /** Embeds one search query with the model's query prefix (instruction). */
  async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const [vector] = await this.embedAll([this.model.queryPrefix + text], signal);
    return vector;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new AppError('cancelled', 'The embedding model was closed.'));
    await worker?.terminate();
  }

  private async embedAll(texts: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH_SIZE) {
      signal?.throwIfAborted();
      vectors.push(...(await this.request(texts.slice(start, start + BATCH_SIZE))));
      onProgress?.(vectors.length, texts.length);
    }
    return vectors;
  }

  private request(texts: string[]): Promise<Float32Array[]> {
    const worker = this.ensureWorker();
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, texts } satisfies EmbedRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const workerData: EmbedderWorkerData = {
      modelFolder: this.model.folder,
      dtype: this.model.dtype,
      pooling: this.model.pooling,
      normalize: this.model.normalize,
      threads: Math.max(1, Math.min(4, os.availableParallelism() - 1)),
    };
    const worker = startWorker('embed/embedder.worker.ts', { workerData });
    worker.on('message', (reply: EmbedReply) => this.settle(reply));
    worker.on('error', (error) => {
      this.worker = undefined;
      reportWorkerCrash('embed');
      this.failAll(new AppError('embedder_crashed', 'The embedding model stopped unexpectedly. Try again; if it keeps failing, reinstall the model.', error));
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new AppError('embedder_crashed', 'The embedding model stopped unexpectedly. Try again; if it keeps failing, reinstall the model.'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: EmbedReply) {
    const entry = this.pending.get(reply.seq);
    if (!entry) return;
    this.pending.delete(reply.seq);
    if (!reply.ok) {
      if (reply.detail) log.error(`embedder ${this.model.id}: ${reply.error.message}`, reply.detail);
      return entry.reject(fromWireError(reply.error));
    }
    if (reply.dimension !== this.model.dimension) {
      return entry.reject(
        new AppError('embedder_mismatch', `The installed ${this.model.id} produces ${reply.dimension}-dimensional vectors, not ${this.model.dimension}. Reinstall the model.`),
      );
    }
    const rows: Float32Array[] = [];
    for (let offset = 0; offset < reply.vectors.length; offset += reply.dimension) rows.push(reply.vectors.subarray(offset, offset + reply.dimension));
    entry.resolve(rows);
  }

  private failAll(error: AppError) {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }
}
