import type { ExtractedPage } from './pdf-document';

// Page-parallel PDF text extraction: the converter and its helper threads claim batches of pages from one shared counter.

/** Slots of the shared Int32Array. */
export const NEXT_BATCH = 0;
/** The last page the converter has taken (helpers stay within a window ahead of it, so memory stays flat). */
export const PAGES_TAKEN = 1;
/** Set to 1 to make helpers stop claiming. */
export const STOP = 2;
export const STATE_SLOTS = 3;

export interface PdfExtractWorkerData {
  bytes: Uint8Array;
  password: string | undefined;
  state: SharedArrayBuffer;
  pageCount: number;
  batchPages: number;
  windowPages: number;
  /** The ingestion thread budget this helper holds a slot of (thread-budget.ts); it leaves when the budget is overdrawn. */
  threadBudget: SharedArrayBuffer | null;
}

export type PdfExtractReply =
  | { type: 'page'; page: ExtractedPage }
  | { type: 'failed'; message: string }
  /** `slotReturned`: the helper gave its budget slot back itself (it left for a newly started file). */
  | { type: 'finished'; slotReturned: boolean };

/** Claims the next batch if it is `batch` (batches are claimed in order), returning whether this caller got it. */
export const claimBatch = (state: Int32Array, batch: number) => Atomics.compareExchange(state, NEXT_BATCH, batch, batch + 1) === batch;
