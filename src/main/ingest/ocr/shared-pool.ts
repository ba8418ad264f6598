import type { ThreadBudget } from '../thread-budget';
import type { OcrLanguageCode } from './languages';
import { OcrPool } from './pool';

// The ingest worker keeps one OCR pool between files (starting tesseract workers takes seconds); a change of OCR
// language replaces it. Terminating the ingest worker (cancel, pause) terminates the pool's workers with it.

let shared: OcrPool | null = null;
let budget: ThreadBudget | null = null;

/** Makes the pools of this thread recognise under the ingestion thread budget shared with the other files. */
export function useOcrThreadBudget(threads: ThreadBudget | null): void {
  budget = threads;
}

export function ocrPoolFor(languages: OcrLanguageCode[]): OcrPool {
  if (shared && shared.languages.join('+') === languages.join('+')) return shared;
  void shared?.close();
  shared = new OcrPool(languages, undefined, budget);
  return shared;
}

export async function closeOcrPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
