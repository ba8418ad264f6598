import os from 'node:os';
import { AppError } from '../../shared/errors';
import { WorkerClient } from '../platform/worker-client';
import type { EmbedderWorkerData, EmbedReply, EmbedRequest } from './protocol';
import type { EmbedderModel } from './models';

/** Texts per worker round trip: large enough to amortise padding and messaging, small enough to cancel promptly. */
const BATCH_SIZE = 16;

/** One embedding model running in its own worker thread; requests are seq-numbered and answered in any order. */
export class Embedder {
  private readonly worker: WorkerClient<Omit<EmbedRequest, 'seq'>, EmbedReply>;

  constructor(readonly model: EmbedderModel) {
    this.worker = new WorkerClient({
      script: 'embed/embedder.worker.ts',
      workerData: (): EmbedderWorkerData => ({
        modelFolder: model.folder,
        dtype: model.dtype,
        pooling: model.pooling,
        normalize: model.normalize,
        threads: Math.max(1, Math.min(4, os.availableParallelism() - 1)),
      }),
      crashLabel: 'embed',
      crashed: (cause) => new AppError('embedder_crashed', 'The embedding model stopped unexpectedly. Try again; if it keeps failing, reinstall the model.', cause),
      logPrefix: `embedder ${model.id}`,
    });
  }

  /** Embeds passages (chunks) with the model's passage prefix; onProgress hears texts done of all after each batch. */
  embedPassages(texts: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    return this.embedAll(texts.map((text) => this.model.passagePrefix + text), signal, onProgress);
  }

  /** Embeds one search query with the model's query prefix (instruction). */
  async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const [vector] = await this.embedAll([this.model.queryPrefix + text], signal);
    return vector;
  }

  close(): Promise<void> {
    return this.worker.close(new AppError('cancelled', 'The embedding model was closed.'));
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

  private async request(texts: string[]): Promise<Float32Array[]> {
    const reply = await this.worker.request({ texts });
    if (reply.dimension !== this.model.dimension) {
      throw new AppError('embedder_mismatch', `The installed ${this.model.id} produces ${reply.dimension}-dimensional vectors, not ${this.model.dimension}. Reinstall the model.`);
    }
    const rows: Float32Array[] = [];
    for (let offset = 0; offset < reply.vectors.length; offset += reply.dimension) rows.push(reply.vectors.subarray(offset, offset + reply.dimension));
    return rows;
  }
}
