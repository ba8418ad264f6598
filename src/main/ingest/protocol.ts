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

export interface ParseJobRequest {
  seq: number;
  request: ParseRequest;
}

export type IngestWorkerReply =
  | { seq: number; type: 'progress'; stage: ParseStage; pagesDone: number; pagesTotal: number; fraction: number }
  /** The next pages of the document and the chunks completed with them, in order. */
  | { seq: number; type: 'batch'; pages: StoredPage[]; chunks: Chunk[] }
  | { seq: number; type: 'result'; result: StreamResult }
  | { seq: number; type: 'error'; error: WireError; logDetail: string };
