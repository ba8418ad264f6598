import type { WireError } from '../../shared/errors';

// Messages between the embedding service and its worker thread: seq-numbered requests, one reply each.

/** What the worker needs to load one embedding model through transformers.js. */
export interface EmbedderWorkerData {
  /** Absolute folder holding config.json, tokenizer.json, tokenizer_config.json and onnx/<file>.onnx. */
  modelFolder: string;
  dtype: 'q8' | 'fp32';
  pooling: 'mean' | 'cls';
  normalize: boolean;
  /** onnxruntime intra-op threads; the machine is shared with ingestion and the LPU workers. */
  threads: number;
}

export interface EmbedRequest {
  seq: number;
  texts: string[];
}

export type EmbedReply =
  | { seq: number; ok: true; dimension: number; /** (texts, dimension), row-major */ vectors: Float32Array }
  | { seq: number; ok: false; error: WireError; /** The underlying cause (stack), for the main-process log only. */ detail?: string };
