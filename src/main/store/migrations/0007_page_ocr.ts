import type { Migration } from './migration';

// Pages whose text came from OCR: tesseract's confidence (NULL for a real text layer) and the recognised words with
// their boxes as JSON, so the viewer can highlight cited words on the scanned page.
export const pageOcr: Migration = {
  version: 7,
  name: 'page_ocr',
  up: `
    ALTER TABLE pages ADD COLUMN ocr_confidence REAL;
    ALTER TABLE pages ADD COLUMN ocr_words TEXT;
  `,
};
