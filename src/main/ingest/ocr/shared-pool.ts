import type { OcrLanguageCode } from './languages';
import { OcrPool } from './pool';

// The ingest worker keeps one OCR pool between files (starting tesseract workers takes seconds); a change of OCR
// language replaces it. Terminating the ingest worker (cancel, pause) terminates the pool's workers with it.

let shared: OcrPool | null = null;

export function ocrPoolFor(languages: OcrLanguageCode[]): OcrPool {
  if (shared && shared.languages.join('+') === languages.join('+')) return shared;
  void shared?.close();
  shared = new OcrPool(languages);
  return shared;
}

export async function closeOcrPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
