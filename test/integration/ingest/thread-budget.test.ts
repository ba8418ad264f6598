import { describe, expect, it, vi } from 'vitest';
import { loadPdfJs, openPdf, type ExtractedPage } from '../../../src/main/ingest/converters/pdf-document';
import { PdfPageSource } from '../../../src/main/ingest/converters/pdf-pages';
import { ThreadBudget } from '../../../src/main/ingest/thread-budget';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';

// One thread budget for all of ingestion: a long PDF's page helpers start only on free slots, leave when a newly
// started file overdraws the budget, come back when slots are free again, and every slot is returned at the end.

describe('ingestion thread budget', () => {
  it('takes free slots only, gives them back when overdrawn, never goes below what was forced', () => {
    const budget = ThreadBudget.of(2);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, false]);
    budget.take(); // a file's own parser runs even with no slot free
    expect(budget.free).toBe(-1);
    expect(budget.yieldIfOverdrawn()).toBe(true);
    expect(budget.yieldIfOverdrawn()).toBe(false);
    expect(budget.free).toBe(0);
    budget.give();
    budget.give();
    expect(budget.free).toBe(2);
    // Seen through another view of the same memory, as a worker thread sees it.
    expect(new ThreadBudget(budget.buffer).free).toBe(2);
  });

  it('runs a PDF\'s helpers on the free slots, gives them to a new file, and still delivers every page in order', async () => {
    const bytes = generateTextPdf(160, 20);
    const budget = ThreadBudget.of(2);
    budget.take(); // this file's own parser
    const doc = await openPdf(await loadPdfJs(), bytes, undefined);
    const source = new PdfPageSource(doc, bytes, undefined, doc.numPages, { helpers: 3, budget });
    const pages: ExtractedPage[] = [];
    const helpersSeen: number[] = [source.helperCount];
    try {
      // Only one slot was free: one helper, whatever was asked for.
      expect(source.helperCount).toBe(1);
      expect(budget.free).toBe(0);
      while (source.pagesFromHelpers === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      for (let number = 1; number <= doc.numPages; number++) {
        pages.push(await source.take(number));
        if (number === 20) budget.take(); // another file starts: the helper must give its slot back
        if (number === 60) {
          // The helper left between batches (or will at its next one): wait for it, then the other file finishes.
          while (source.helperCount > 0) await new Promise((resolve) => setTimeout(resolve, 20));
          expect(budget.free).toBe(0);
          budget.give();
        }
        helpersSeen.push(source.helperCount);
      }
    } finally {
      await source.close();
      await doc.destroy();
    }
    expect(pages.map((p) => p.number)).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    expect(pages[99].fragments[0].text).toContain('Page 100 line 1');
    // The freed slot went back to a helper for the rest of the document.
    expect(helpersSeen.slice(61).some((n) => n === 1)).toBe(true);
    // Every helper's slot is back once they are gone: only this file's own parser still holds one.
    await vi.waitFor(() => expect(budget.free).toBe(1));
  }, 180_000);
});
