import type { Block, Converter, OcrPageFacts, SourcePage } from '../document';
import { ocrBlocks, ocrFacts, ocrReadable } from '../ocr/page-ocr';
import type { OcrPage } from '../ocr/pool';
import { renderPageForOcr, type CanvasFactory } from '../ocr/render-page';
import { isGarbled } from '../text-quality';
import { loadPdfJs, openPdf } from './pdf-document';
import { bodySize, paragraphs, readingOrder, type LineFragment } from './pdf-layout';
import { PdfPageSource } from './pdf-pages';
import { RunningLineFilter } from './pdf-running-lines';
import { findTables } from './pdf-tables';
import { rowsToTableBlocks } from './table';

// PDF through pdfjs-dist (legacy build for Node). Text is extracted page by page (in parallel threads for long
// documents, pdf-pages.ts) and laid out here in page order; each page's objects are released before the next.

/** Pages buffered before emitting, so running headers are recognised from the pages that follow too. */
const LOOKAHEAD_PAGES = 3;

/** Heading paths across pages: a heading closes every open heading set in the same or a smaller size. */
class HeadingTracker {
  private stack: { size: number; text: string }[] = [];
  enter(text: string, size: number): string[] {
    while (this.stack.length && this.stack.at(-1)!.size <= size + 0.05) this.stack.pop();
    this.stack.push({ size, text });
    return this.current();
  }
  current(): string[] {
    return this.stack.map((h) => h.text);
  }
}

interface LaidOutPage {
  number: number;
  width: number;
  height: number;
  fragments: LineFragment[];
  /** A page without a text layer, being recognised (pages ahead are recognised in parallel across the OCR pool). */
  ocr: Promise<{ page: OcrPage; width: number; height: number }> | null;
}

export const convertPdf: Converter = async function* (input) {
  const pdfjs = await loadPdfJs();
  const doc = await openPdf(pdfjs, input.bytes, input.password);
  try {
    const pageCount = doc.numPages;
    const labels = ((await doc.getPageLabels().catch(() => null)) ?? null) as string[] | null;
    const info = (await doc.getMetadata().catch(() => null))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : null;
    input.onProgress(0, pageCount);

    const running = new RunningLineFilter(pageCount);
    const headings = new HeadingTracker();
    const pagesWithoutText: number[] = [];
    const garbledPages: number[] = [];
    const unreadableOcrPages: { number: number; confidence: number }[] = [];
    const buffered: LaidOutPage[] = [];

    const finishScanned = async (page: LaidOutPage): Promise<SourcePage> => {
      const scan = await page.ocr!;
      const label = labels?.[page.number - 1] ?? null;
      if (!ocrReadable(scan.page)) {
        pagesWithoutText.push(page.number);
        unreadableOcrPages.push({ number: page.number, confidence: scan.page.confidence });
        return { number: page.number, label, blocks: [] };
      }
      const ocr: OcrPageFacts = ocrFacts(scan.page, scan.width, scan.height);
      return { number: page.number, label, blocks: ocrBlocks(scan.page, headings.current()), ocr };
    };

    const finish = async (page: LaidOutPage): Promise<SourcePage> => {
      if (page.ocr) return finishScanned(page);
      const kept = running.filter(page.fragments, page.height);
      const ordered = readingOrder(kept, page);
      const body = bodySize(ordered);
      const blocks: Block[] = [];
      for (const paragraph of paragraphs(ordered, body, page, findTables(ordered, page))) {
        if (paragraph.kind === 'table') blocks.push(...rowsToTableBlocks(paragraph.rows, headings.current(), { header: paragraph.header }));
        else if (paragraph.kind === 'heading') blocks.push({ kind: 'heading', text: paragraph.text, headingPath: headings.enter(paragraph.text, paragraph.size) });
        else blocks.push({ kind: 'paragraph', text: paragraph.text, headingPath: headings.current() });
      }
      const text = blocks.map((b) => b.text).join('\n');
      const hasText = text.trim().length > 0;
      const garbled = hasText && isGarbled(text);
      if (garbled && input.ocr) {
        // A scan with a garbled OCR layer from another tool: its image is read again, and the layer is set aside.
        const again = await doc.getPage(page.number);
        const image = await renderPageForOcr(again, doc.canvasFactory as CanvasFactory);
        again.cleanup();
        const recognizer = input.ocr;
        return finishScanned({ ...page, ocr: recognizer.recognize(image.png).then((result) => ({ page: result, width: image.width, height: image.height })) });
      }
      if (!hasText) pagesWithoutText.push(page.number);
      else if (garbled) garbledPages.push(page.number);
      return { number: page.number, label: labels?.[page.number - 1] ?? null, blocks, ...(garbled ? { garbled } : {}) };
    };

    const source = new PdfPageSource(doc, input.bytes, input.password, pageCount);
    try {
      for (let number = 1; number <= pageCount; number++) {
        const { width, height, fragments } = await source.take(number);
        const recognizer = input.ocr;
        let ocr: LaidOutPage['ocr'] = null;
        if (fragments.length === 0 && recognizer) {
          const page = await doc.getPage(number);
          const image = await renderPageForOcr(page, doc.canvasFactory as CanvasFactory);
          page.cleanup();
          ocr = recognizer.recognize(image.png).then((result) => ({ page: result, width: image.width, height: image.height }));
          ocr.catch(() => undefined); // awaited in order by finish(); this only keeps an early failure from going unhandled
        }
        running.observe(fragments, height);
        buffered.push({ number, width, height, fragments, ocr });
        if (buffered.length > LOOKAHEAD_PAGES) yield await finish(buffered.shift()!);
        input.onProgress(number, pageCount);
      }
    } finally {
      await source.close();
    }
    while (buffered.length) yield await finish(buffered.shift()!);
    return { title, pageCount, pagesWithoutText, garbledPages, unreadableOcrPages };
  } finally {
    await doc.destroy();
  }
};
