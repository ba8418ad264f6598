import type { WireError } from '../../shared/errors';
import type { ParseRequest, ParseResult, ParseStage } from './parse';

// Messages between the queue (main thread) and the ingest worker: seq-numbered requests, errors as { code, message }.

export interface IngestWorkerData {
  /** Tokenizer folder of the active embedder; null counts tokens with the documented estimate. */
  tokenizerFolder: string | null;
}

export interface ParseJobRequest {
  seq: number;
  request: ParseRequest;
}

export type IngestWorkerReply =
  | { seq: number; type: 'progress'; stage: ParseStage; pagesDone: number; pagesTotal: number; fraction: number }
  | { seq: number; type: 'result'; result: ParseResult }
  | { seq: number; type: 'error'; error: WireError; logDetail: string };
