import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { WireError } from '../../shared/errors';
import { chunkOptionsFor, type Chunk } from './chunker';
import { converters } from './converters/index';
import { defaultLimits, type DocumentFormat, type IngestLimits } from './document';
import { detectFormat, formatByName, formatNames } from './detect';
import { decryptOffice } from './office-crypto';
import { IngestProblem, problems, statusForCode, type DocumentOutcomeStatus } from './outcome';
import { explainFailure } from './failure';
import type { TokenCounter } from './tokens';
import { MIN_OCR_CONFIDENCE } from './ocr/page-ocr';
import type { OcrLanguageCode } from './ocr/languages';
import { ocrPoolFor } from './ocr/shared-pool';
import { PageStream, type ParseSink, type StoredPage } from './page-stream';

export type { ParseSink, StoredPage } from './page-stream';

// One file from bytes to pages and chunks; runs inside the ingest worker. Nothing here touches the database.
// Pages stream from the converter through the chunker to a sink in batches, so memory stays flat in the length of
// the document: only the converter's look-ahead, the opening pages the profile needs and one batch are held at once.

export interface ParseRequest {
  filePath: string;
  password?: string;
  chunkTokens: number;
  limits?: IngestLimits;
  /** Languages OCR reads pages without a text layer in; an empty list turns OCR off. Default English. */
  ocrLanguages?: OcrLanguageCode[];
}

export type ParseStage = 'reading' | 'parsing' | 'ocr' | 'chunking';

/** Progress of one parse: the stage, pages done of the total (0 while unknown) and the stage's fraction done (0–1). */
export type ParseProgress = (stage: ParseStage, pagesDone: number, pagesTotal: number, fraction: number) => void;

/** What a streamed parse returns once its pages and chunks have all gone to the sink. */
export interface ParsedSummary {
  status: 'indexed';
  format: DocumentFormat;
  title: string;
  pageCount: number;
  chunkCount: number;
  /** Indexed with a caveat (e.g. some pages had no text layer). */
  notice: WireError | null;
  /** The most pages this parse held at once between the converter and the sink (flat in the document's length). */
  pagesHeldPeak: number;
}

/** A whole document in memory: for small inputs and callers without a store of their own (evaluation, tests). */
export interface ParsedDocument extends ParsedSummary {
  pages: StoredPage[];
  chunks: Chunk[];
}

export interface UnindexedDocument {
  status: Exclude<DocumentOutcomeStatus, 'indexed'>;
  format: DocumentFormat | null;
  title: string;
  pageCount: number | null;
  problem: WireError;
  /** The raw exception behind the problem, for the log only: never stored, never shown. */
  logDetail: string | null;
}

export type StreamResult = ParsedSummary | UnindexedDocument;
export type ParseResult = ParsedDocument | UnindexedDocument;

const pageList = (pages: number[]) => (pages.length > 8 ? `${pages.slice(0, 8).join(', ')} and ${pages.length - 8} more` : pages.join(', '));

function lowConfidenceProblem(what: string, pages: { number: number; confidence: number }[], pageCount: number): IngestProblem {
  const best = Math.max(...pages.map((p) => p.confidence));
  const scope = pageCount === 1 ? `this ${what}` : `any of the ${pageCount} pages of this ${what}`;
  return new IngestProblem(
    'ocr_low_confidence',
    `OCR found no text it is at least ${MIN_OCR_CONFIDENCE}% sure of on ${scope} (best ${best}%). Scan it again at a higher resolution or contrast, or check the OCR language in Settings, then re-index it.`,
  );
}

function noTextProblem(pageCount: number, garbled: number[]): IngestProblem {
  if (garbled.length > 0) {
    return new IngestProblem(
      'garbled_text_layer',
      `The text layer of this PDF is unreadable OCR output (${garbled.length} of ${pageCount} ${pageCount === 1 ? 'page' : 'pages'}); indexing it would pollute search. Run OCR on the scan again and add the new file.`,
    );
  }
  return new IngestProblem(
    'no_text_layer',
    `This PDF has ${pageCount} ${pageCount === 1 ? 'page' : 'pages'} of images and no text layer. Run OCR on it (for example with ocrmypdf) and add the result.`,
  );
}

/** Parses a file, collecting its pages and chunks in memory. */
export async function parseFile(request: ParseRequest, counter: TokenCounter, onProgress: ParseProgress): Promise<ParseResult> {
  const pages: StoredPage[] = [];
  const chunks: Chunk[] = [];
  const result = await streamFile(request, counter, onProgress, (batch, done) => {
    pages.push(...batch);
    chunks.push(...done);
  });
  return result.status === 'indexed' ? { ...result, pages, chunks } : result;
}

/** Parses a file, handing its pages and chunks to `sink` in order as they are ready; they are never all held at once. */
export async function streamFile(
  request: ParseRequest,
  counter: TokenCounter,
  onProgress: ParseProgress,
  sink: ParseSink,
  /** Awaited after each page: resolves once the sink may take another batch (flow control); absent, never waits. */
  sinkReady?: () => Promise<void> | undefined,
): Promise<StreamResult> {
  const limits = request.limits ?? defaultLimits;
  const fileName = path.basename(request.filePath);
  let format: DocumentFormat | null = null;
  let pageCount: number | null = null;
  let fileBytes = 0;
  try {
    onProgress('reading', 0, 0, 0);
    const info = await stat(request.filePath).catch((cause) => {
      throw new IngestProblem('file_unreadable', `Lockstep cannot read ${fileName}: it was moved, deleted or is not accessible.`, cause);
    });
    if (!info.isFile()) throw new IngestProblem('file_unreadable', `${fileName} is not a regular file.`);
    fileBytes = info.size;
    if (info.size > limits.maxFileBytes) throw problems.fileTooLarge(info.size, limits.maxFileBytes);
    let bytes: Uint8Array = await readFile(request.filePath);
    let detected = detectFormat(bytes, fileName);
    if (detected.format === 'encrypted-office') {
      const named = formatByName(fileName);
      bytes = await decryptOffice(bytes, request.password, named ? formatNames[named] : 'Office file');
      // The decrypted package is sniffed like any other; the name is compared with what it really is.
      detected = detectFormat(bytes, fileName);
      if (detected.format === 'encrypted-office') throw problems.corruptDocument(named ? formatNames[named] : 'Office file', 'its decrypted content is not an Office package');
    }
    format = detected.format;
    const what = formatNames[format];

    onProgress('parsing', 0, 0, 0);
    let pagesRead = 0;
    const ocrLanguages = request.ocrLanguages ?? ['eng'];
    const pool = ocrLanguages.length ? ocrPoolFor(ocrLanguages) : undefined;
    // The first page handed to OCR moves the file into the OCR stage for good: from then on the slow part is
    // recognition, so the fraction is pages finished (recognised or not) of all pages.
    let total = 0;
    let inOcr = false;
    const ocr = pool && {
      recognize: (image: Uint8Array) => {
        if (!inOcr) onProgress('ocr', pagesRead, total, total ? pagesRead / total : 0);
        inOcr = true;
        return pool.recognize(image);
      },
    };
    const parsed = (done: number, pagesTotal: number) => {
      total = pagesTotal;
      if (!inOcr) onProgress('parsing', done, pagesTotal, pagesTotal ? done / pagesTotal : 0);
    };
    const chunking = new PageStream(fileName, chunkOptionsFor(request.chunkTokens, counter), sink);
    const run = converters[format]({ bytes, fileName, password: request.password, limits, ocr, onProgress: parsed });
    let step = await run.next();
    while (!step.done) {
      pagesRead++;
      chunking.add(step.value);
      if (inOcr) onProgress('ocr', pagesRead, total, total ? Math.min(1, pagesRead / total) : 0);
      // At most one batch leaves per page, so waiting here keeps the worker within its credit, finish() included.
      await sinkReady?.();
      step = await run.next();
    }
    const summary = step.value;
    pageCount = summary.pageCount;

    onProgress('chunking', pageCount, pageCount, 0);
    const { chunkCount, title, pagesHeldPeak } = chunking.finish();
    const unusable = new Set([...summary.pagesWithoutText, ...summary.garbledPages]);
    const unreadableOcr = summary.unreadableOcrPages ?? [];
    if (chunking.usablePages === 0) {
      if (unreadableOcr.length > 0 && summary.garbledPages.length === 0) throw lowConfidenceProblem(what, unreadableOcr, pageCount);
      if (format === 'image') throw noTextProblem(pageCount, []);
      if (format === 'pdf' && pageCount > 0) throw noTextProblem(pageCount, summary.garbledPages);
      throw problems.empty(what);
    }
    const skipped = [...unusable].sort((a, b) => a - b);
    const ocrSkipped = unreadableOcr.length ? ` OCR read ${unreadableOcr.length === 1 ? 'one of them' : `${unreadableOcr.length} of them`} below ${MIN_OCR_CONFIDENCE}% confidence.` : '';
    const skippedNotice = skipped.length ? `Pages ${pageList(skipped)} have no usable text layer and were not indexed.${ocrSkipped}` : null;
    // One notice slot per document: the missing pages matter more than a misleading name, so they give the code.
    const notice = skippedNotice
      ? { code: 'pages_without_text', message: [skippedNotice, detected.note].filter(Boolean).join(' ') }
      : detected.note
        ? { code: 'format_mismatch', message: detected.note }
        : null;

    onProgress('chunking', pageCount, pageCount, 1);
    return { status: 'indexed', format, title: summary.title ?? title ?? fileName, pageCount, chunkCount, notice, pagesHeldPeak };
  } catch (caught) {
    // Anything a parser library throws on bad input is still this file's problem, not a crash; its words go to the log.
    const { problem, logDetail } = explainFailure(caught, format, fileBytes);
    return { status: statusForCode(problem.code) as UnindexedDocument['status'], format, title: fileName, pageCount, problem: { code: problem.code, message: problem.message }, logDetail };
  }
}
