// A PDF page without a text layer, drawn at 300 dpi (tesseract's preferred resolution) for OCR. The canvas comes from
// pdfjs's own factory (@napi-rs/canvas in Node), so the app bundle needs no canvas package of its own.

export const OCR_DPI = 300;
/** Poster-sized pages are drawn smaller: 50 megapixels is far beyond any text page at 300 dpi. */
const MAX_PIXELS = 50_000_000;

interface NodeCanvas {
  toBuffer(mime: 'image/png'): Uint8Array;
}

interface CanvasAndContext {
  canvas: NodeCanvas;
  context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
}

export interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(canvasAndContext: CanvasAndContext): void;
}

interface RenderablePage {
  getViewport(options: { scale: number }): { width: number; height: number };
  render(options: { canvasContext: never; viewport: never; canvas: never }): { promise: Promise<void> };
}

export async function renderPageForOcr(page: RenderablePage, factory: CanvasFactory): Promise<{ png: Uint8Array; width: number; height: number }> {
  const base = page.getViewport({ scale: 1 });
  const scale = Math.min(OCR_DPI / 72, Math.sqrt(MAX_PIXELS / Math.max(1, base.width * base.height)));
  const viewport = page.getViewport({ scale });
  const width = Math.ceil(viewport.width);
  const height = Math.ceil(viewport.height);
  const target = factory.create(width, height);
  try {
    target.context.fillStyle = '#ffffff'; // scans are drawn on white, as transparent pixels read as black
    target.context.fillRect(0, 0, width, height);
    await page.render({ canvasContext: target.context as never, viewport: viewport as never, canvas: target.canvas as never }).promise;
    return { png: new Uint8Array(target.canvas.toBuffer('image/png')), width, height };
  } finally {
    factory.destroy(target);
  }
}
