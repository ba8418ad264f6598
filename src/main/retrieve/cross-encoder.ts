import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { WorkerClient } from '../platform/worker-client';
import type { CrossEncoderWorkerData, ScoreReply, ScoreRequest } from './cross-encoder-protocol';
import type { PassageScorer } from './rerank';

/** Pairs per worker round trip: small, so a cancelled search stops within one batch. */
const BATCH_SIZE = 8;

/** Files transformers.js reads for a quantised sequence-classification model. */
const CROSS_ENCODER_FILES = ['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'];

/** True when the folder holds the files a cross-encoder needs (whether they load is known only on first use). */
export const isCrossEncoderFolder = (folder: string) => CROSS_ENCODER_FILES.every((file) => existsSync(path.join(folder, file)));

/**
 * A cross-encoder (ms-marco-MiniLM, bge-reranker) from an installed model folder, run in its own worker thread as the
 * embedder is: query and passage are read together and the model's relevance logit is the score. Loaded on first use.
 */
export class CrossEncoderScorer implements PassageScorer {
  readonly name: string;
  private readonly worker: WorkerClient<Omit<ScoreRequest, 'seq'>, ScoreReply>;

  constructor(
    readonly modelFolder: string,
    name = path.basename(modelFolder),
  ) {
    this.name = name;
    this.worker = new WorkerClient({
      script: 'retrieve/cross-encoder.worker.ts',
      workerData: (): CrossEncoderWorkerData => ({ modelFolder, threads: Math.max(1, Math.min(4, os.availableParallelism() - 1)) }),
      crashLabel: 'rerank',
      crashed: (cause) => new AppError('reranker_crashed', 'The reranking model stopped unexpectedly. Search again; if it keeps failing, reinstall the model.', cause),
      logPrefix: `reranker ${name}`,
    });
  }

  async score(query: string, passages: string[], signal?: AbortSignal): Promise<number[]> {
    if (!isCrossEncoderFolder(this.modelFolder)) {
      throw new AppError('reranker_missing', `No reranking model is installed in ${this.modelFolder}. Install one from the Models page, or search without reranking.`);
    }
    const scores: number[] = [];
    for (let start = 0; start < passages.length; start += BATCH_SIZE) {
      signal?.throwIfAborted();
      // A cancelled search does not wait for the batch under way; its reply is dropped when it comes.
      const reply = await this.worker.request({ query, passages: passages.slice(start, start + BATCH_SIZE) }, signal);
      scores.push(...reply.scores);
    }
    return scores;
  }

  close(): Promise<void> {
    return this.worker.close(new AppError('cancelled', 'The reranking model was closed.'));
  }
}
