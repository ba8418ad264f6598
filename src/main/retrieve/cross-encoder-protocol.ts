import type { WireError } from '../../shared/errors';

// Messages between the cross-encoder scorer and its worker thread: seq-numbered requests, one reply each.

export interface CrossEncoderWorkerData {
  /** Absolute folder holding config.json, tokenizer.json, tokenizer_config.json and onnx/model_quantized.onnx. */
  modelFolder: string;
  /** onnxruntime intra-op threads; the machine is shared with the embedder, ingestion and the LPU workers. */
  threads: number;
}

export interface ScoreRequest {
  seq: number;
  query: string;
  passages: string[];
}

export type ScoreReply =
  | { seq: number; ok: true; /** One relevance logit per passage, in order. */ scores: Float32Array }
  | { seq: number; ok: false; error: WireError; /** The underlying cause (stack), for the main-process log only. */ detail?: string };
