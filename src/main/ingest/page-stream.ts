import { DocumentChunker, type Chunk, type ChunkOptions } from './chunker';
import type { OcrPageFacts, SourcePage } from './document';
import { OPENING_PAGES, profileDocument, profileLabel } from './document-profile';
import { placeBlocks, type PageText } from './pages';

// The middle of a streamed parse: each page from the converter is laid out, handed to the chunker and batched for the
// sink. The chunker waits only for the opening pages the document profile reads (its label goes into every chunk), so
// what is held at once is bounded by that, one sink batch and the chunk being filled, whatever the document's length.

export interface StoredPage {
  number: number;
  label: string | null;
  text: string;
  /** Present when the text came from OCR: its confidence and word boxes. */
  ocr: OcrPageFacts | null;
}

/** Receives a document's pages and the chunks completed with them, in order, a batch at a time. */
export type ParseSink = (pages: StoredPage[], chunks: Chunk[]) => void;

/** Pages handed to the sink together: large enough to amortise a message and a write, small against any document. */
export const SINK_BATCH_PAGES = 16;
/** Pages whose first heading may name a document without a title in its metadata. */
const TITLE_PAGES = 2;

export class PageStream {
  private chunker: DocumentChunker | null = null;
  /** Usable pages waiting for the profile, before any chunk can be cut. */
  private readonly opening: PageText[] = [];
  private pages: StoredPage[] = [];
  private chunks: Chunk[] = [];
  private seen = 0;
  private chunkCount = 0;
  private heading: string | null = null;
  private peak = 0;
  usablePages = 0;

  constructor(
    private readonly fileName: string,
    private readonly options: ChunkOptions,
    private readonly sink: ParseSink,
  ) {}

  add(source: SourcePage): void {
    const page = placeBlocks(source);
    if (++this.seen <= TITLE_PAGES) this.heading ??= page.blocks.find((b) => b.kind === 'heading')?.text.slice(0, 200) ?? null;
    this.pages.push({ number: page.number, label: page.label, text: page.text, ocr: source.ocr ?? null });
    if (page.text.trim() && !source.garbled) {
      this.usablePages++;
      if (this.chunker) this.cut(page);
      else {
        this.opening.push(page);
        if (this.opening.length === OPENING_PAGES) this.startChunking();
      }
    }
    this.peak = Math.max(this.peak, this.held());
    if (this.pages.length >= SINK_BATCH_PAGES) this.flush();
  }

  /** Cuts the last chunk and hands over what is left; returns the document's totals. */
  finish(): { chunkCount: number; title: string | null; pagesHeldPeak: number } {
    if (!this.chunker && this.opening.length) this.startChunking();
    if (this.chunker) this.keep(this.chunker.finish());
    this.flush();
    return { chunkCount: this.chunkCount, title: this.heading, pagesHeldPeak: this.peak };
  }

  private startChunking(): void {
    const documentLabel = profileLabel(profileDocument(this.opening.map((page) => page.text), this.fileName));
    this.chunker = new DocumentChunker({ ...this.options, documentLabel });
    for (const page of this.opening.splice(0)) this.cut(page);
  }

  private cut(page: PageText): void {
    this.keep(this.chunker!.addPage(page));
  }

  private keep(chunks: Chunk[]): void {
    this.chunks.push(...chunks);
    this.chunkCount += chunks.length;
  }

  private flush(): void {
    if (this.pages.length === 0 && this.chunks.length === 0) return;
    const pages = this.pages;
    const chunks = this.chunks;
    this.pages = [];
    this.chunks = [];
    this.sink(pages, chunks);
  }

  /** Distinct pages referenced right now: the sink batch, the opening pages and the chunk being filled. */
  private held(): number {
    const numbers = new Set([...this.pages.map((p) => p.number), ...this.opening.map((p) => p.number), ...(this.chunker?.pagesHeld ?? [])]);
    return numbers.size;
  }
}
