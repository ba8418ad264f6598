// What converters produce: a document as ordered pages (or slides, sheets, chapters) of structured blocks.

export type BlockKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code';

export interface Block {
  kind: BlockKind;
  text: string;
  /** Headings above this block, outermost first (a heading block's path includes itself). */
  headingPath: string[];
  /** For tables: the Markdown header (title row + separator) repeated when the table is split by rows. */
  tableHeader?: string;
  /** For a table split into several blocks: the body rows this block holds (1-based) and how many the table has. */
  tableRows?: TableRows;
}

export interface TableRows {
  first: number;
  last: number;
  total: number;
}

export interface SourcePage {
  /** 1-based page, slide, sheet or chapter number. */
  number: number;
  /** The printed page label (e.g. "iv" in front matter) when the document defines one. */
  label: string | null;
  blocks: Block[];
  /** Set when the page's text came from OCR of its image. */
  ocr?: OcrPageFacts;
  /** Set when the text layer is unreadable OCR output: the page is stored as it is but never chunked. */
  garbled?: boolean;
}

export interface OcrWordBox {
  text: string;
  confidence: number;
  /** Left, top, right, bottom as fractions (0–1) of the page's width and height, from the top-left corner. */
  box: [number, number, number, number];
}

export interface OcrPageFacts {
  /** Tesseract's mean word confidence, 0–100. */
  confidence: number;
  words: OcrWordBox[];
}

/** Recognises one page image (PNG, JPEG or TIFF); the ingest worker's OCR pool. */
export interface PageRecognizer {
  recognize(image: Uint8Array): Promise<import('./ocr/pool').OcrPage>;
}

export type DocumentFormat = 'pdf' | 'docx' | 'pptx' | 'xlsx' | 'csv' | 'epub' | 'html' | 'markdown' | 'text' | 'image';

export interface IngestLimits {
  maxFileBytes: number;
  /** Zip containers (OOXML, EPUB): total uncompressed bytes and entry count, against zip bombs. */
  maxUnzippedBytes: number;
  maxZipEntries: number;
  /** Largest XML or HTML part of a package read into memory; parsers need many times a part's size. */
  maxPartBytes: number;
}

export const defaultLimits: IngestLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxUnzippedBytes: 1024 * 1024 * 1024,
  maxZipEntries: 20_000,
  maxPartBytes: 64 * 1024 * 1024,
};

export interface ConvertInput {
  bytes: Uint8Array;
  fileName: string;
  password?: string;
  limits: IngestLimits;
  /** OCR for pages without a text layer and for images; absent, such pages stay without text. */
  ocr?: PageRecognizer;
  /** Called once the converter knows how many pages there are, then after each page. */
  onProgress(pagesDone: number, pagesTotal: number): void;
}

export interface ConvertedDocument {
  title: string | null;
  pageCount: number;
  /** Pages without a usable text layer (image-only or garbled), by number. */
  pagesWithoutText: number[];
  garbledPages: number[];
  /** Pages OCR read without reaching the confidence threshold, with the confidence it reached. */
  unreadableOcrPages?: { number: number; confidence: number }[];
}

/** A converter streams pages (never holding a whole large document's page objects) and returns document facts at the end. */
export type Converter = (input: ConvertInput) => AsyncGenerator<SourcePage, ConvertedDocument, void>;

/** Joins a heading path for storage and display. */
export const headingPathText = (path: string[]) => path.join(' › ');
