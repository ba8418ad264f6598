import type { WireError } from '../../shared/errors';
import type { Chunk } from './chunker';
import type { StoredPage } from './page-stream';
import type { ParseRequest, ParseStage, StreamResult } from './parse';

// Messages between the queue (main thread) and the ingest worker: seq-numbered requests, errors as { code, message }.

export interface IngestWorkerData {
  /** Tokenizer folder of the active embedder; null counts tokens with the documented estimate. */
  tokenizerFolder: string | null;
  /** The ingestion thread budget (thread-budget.ts) the PDF page helpers of this worker draw on; null: no budget. */
  threadBudget?: SharedArrayBuffer | null;
}

/** Batches a parse worker may post before the queue acknowledges one: bounds what piles up if the main thread stalls. */
export const BATCH_CREDITS = 4;

export interface ParseJobRequest {
  seq: number;
  type: 'parse';
  request: ParseRequest;
  /** Unacknowledged batches the worker may have in flight; it waits for an ack before posting more. */
  credits: number;
}

/** The queue stored one batch of parse `seq`: the worker may post another. */
export interface BatchAck {
  seq: number;
  type: 'ack';
}

export type IngestWorkerRequest = ParseJobRequest | BatchAck;

export type IngestWorkerReply =
  | { seq: number; type: 'progress'; stage: ParseStage; pagesDone: number; pagesTotal: number; fraction: number }
  /** The next pages of the document and the chunks completed with them, in order. */
  | { seq: number; type: 'batch'; pages: StoredPage[]; chunks: Chunk[] }
  | { seq: number; type: 'result'; result: StreamResult }
  | { seq: number; type: 'error'; error: WireError; logDetail: string };
