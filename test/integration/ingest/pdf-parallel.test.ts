import { describe, expect, it } from 'vitest';
import { loadPdfJs, openPdf, type ExtractedPage } from '../../../src/main/ingest/converters/pdf-document';
import { PARALLEL_MIN_PAGES, PdfPageSource } from '../../../src/main/ingest/converters/pdf-pages';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';

// Page-parallel extraction of one long PDF: helper threads and the converter claim batches of pages; whatever the
// split, and even when a helper dies, the converter gets every page once, in order, with the same text.

const bytes = generateTextPdf(70, 30);

async function extractAll(helpers: number, sabotage?: (source: PdfPageSource) => Promise<void>) {
  const doc = await openPdf(await loadPdfJs(), bytes, undefined);
  const source = new PdfPageSource(doc, bytes, undefined, doc.numPages, { helpers });
  const started = source.helperCount;
  let fromHelpers = 0;
  const pages: ExtractedPage[] = [];
  try {
    // Starting a thread under tsx can take longer than this short document needs: let the helpers get going first.
    while (helpers > 0 && source.pagesFromHelpers === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    for (let number = 1; number <= doc.numPages; number++) {
      pages.push(await source.take(number));
      if (number === 10 && sabotage) await sabotage(source);
    }
    fromHelpers = source.pagesFromHelpers;
  } finally {
    await source.close();
    await doc.destroy();
  }
  return { pages, started, fromHelpers };
}

describe('PDF page-parallel extraction', () => {
  it('gives the same pages in the same order with helper threads as on one thread', async () => {
    const single = await extractAll(0);
    const parallel = await extractAll(2);
    expect(single.started).toBe(0);
    expect(parallel.started).toBe(2);
    expect(parallel.pages.map((p) => p.number)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    expect(parallel.pages).toEqual(single.pages);
    expect(parallel.fromHelpers).toBeGreaterThan(0);
    expect(single.pages[41].fragments[0].text).toContain('Page 42 line 1');
  }, 120_000);

  it('finishes every page itself when a helper thread dies mid-document', async () => {
    const single = await extractAll(0);
    const sabotaged = await extractAll(1, async (source) => {
      // The helper works ahead of the converter; killing it leaves its claimed batches half-done.
      await (source as unknown as { workers: { terminate(): Promise<number> }[] }).workers[0].terminate();
    });
    expect(sabotaged.pages).toEqual(single.pages);
  }, 120_000);

  it('starts no helper for a short document', async () => {
    const short = generateTextPdf(PARALLEL_MIN_PAGES - 1, 5);
    const doc = await openPdf(await loadPdfJs(), short, undefined);
    const source = new PdfPageSource(doc, short, undefined, doc.numPages, { helpers: 2 });
    try {
      expect(source.helperCount).toBe(0);
      expect((await source.take(1)).fragments.length).toBeGreaterThan(0);
    } finally {
      await source.close();
      await doc.destroy();
    }
  });
});
