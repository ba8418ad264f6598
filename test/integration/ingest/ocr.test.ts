import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseFile, type ParsedDocument, type ParseResult } from '../../../src/main/ingest/parse';
import { OcrPool } from '../../../src/main/ingest/ocr/pool';
import { closeOcrPool } from '../../../src/main/ingest/ocr/shared-pool';
import { ocrLanguagesFor } from '../../../src/main/ingest/ocr/languages';
import { estimatedTokenCounter } from '../../../src/main/ingest/tokens';
import { drawScan, imageOnlyPdf, type DrawnWord } from '../../fixtures/ingest/scanned';
import { corpusFile, itWithCorpus } from '../../support/corpus';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { documentPages, pageOcr, pagesReadByOcr } from '../../../src/main/ingest/library-queries';
import { documentPages as passagePages } from '../../../src/main/chat/passages';
import { toSource } from '../../../src/main/chat/citations';
import { openStore } from '../../../src/main/store/db';

// OCR on scans made here (text drawn on an image: every word and its place is known), through parseFile as the ingest
// worker runs it: words found ≥ 95%, each on its own page, word boxes where the words were drawn.

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
afterAll(() => closeOcrPool());

function writeTemp(name: string, bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-ocr-'));
  dirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

const parse = (filePath: string): Promise<ParseResult> => parseFile({ filePath, chunkTokens: 256, ocrLanguages: ['eng'] }, estimatedTokenCounter, () => undefined);
const norm = (word: string) => word.toLowerCase().replace(/[^a-z0-9]/g, '');
/** Share of the drawn words that appear among the page's recognised words. */
function recall(drawn: DrawnWord[], text: string): number {
  const found = new Set(text.split(/\s+/).map(norm));
  return drawn.filter((w) => found.has(norm(w.text))).length / drawn.length;
}

const pageTwo = ['Scanned letters from the harbour archive describe', 'the lighthouse keeper and his copper lantern.', 'Storms closed the northern quay in 1887.'];
const pageThree = ['Invoices list timber, rope, tar and brass fittings', 'ordered by the shipwright guild each spring.'];

describe('OCR of scanned pages', () => {
  it('reads the image-only pages of a mixed PDF: words found ≥ 95%, page numbers right, word boxes where they were drawn', async () => {
    const scans = [drawScan(pageTwo, { format: 'jpeg' }), drawScan(pageThree, { format: 'jpeg' })];
    const file = writeTemp('letters.pdf', imageOnlyPdf([{ typed: 'Typed cover page of the harbour collection.' }, ...scans]));
    const result = (await parse(file)) as ParsedDocument;
    expect(result.status).toBe('indexed');
    expect(result.pageCount).toBe(3);
    expect(result.notice).toBeNull();
    const [cover, two, three] = result.pages;
    expect(cover!.ocr).toBeNull();
    expect(cover!.text).toContain('Typed cover page');
    for (const [page, scan, number] of [[two!, scans[0]!, 2], [three!, scans[1]!, 3]] as const) {
      expect(page.number).toBe(number);
      expect(page.ocr!.confidence).toBeGreaterThanOrEqual(60);
      expect(recall(scan.words, page.text)).toBeGreaterThanOrEqual(0.95);
    }
    // Each page's words are stored on their own page; the chunks holding them cover that page.
    expect([two!.text.includes('lighthouse'), two!.text.includes('shipwright'), three!.text.includes('shipwright')]).toEqual([true, false, true]);
    const pagesOf = (word: string) => result.chunks.filter((c) => c.text.includes(word)).map((c) => [c.pageStart, c.pageEnd]);
    expect(pagesOf('lighthouse').length).toBeGreaterThan(0);
    for (const [start, end] of pagesOf('lighthouse')) expect(start! <= 2 && end! >= 2).toBe(true);
    for (const [start, end] of pagesOf('shipwright')) expect(start! <= 3 && end! === 3).toBe(true);
    // The box of "lighthouse" overlaps where it was drawn (fractions of the page; within 2% of the page's size).
    const drawn = scans[0]!.words.find((w) => w.text === 'lighthouse')!;
    const read = two!.ocr!.words.find((w) => w.text === 'lighthouse')!;
    read.box.forEach((v, i) => expect(Math.abs(v - drawn.box[i]!)).toBeLessThan(0.02));
  }, 120_000);

  it('reads a scan again when its text layer is another tool’s garbled OCR, and indexes the new reading instead', async () => {
    const scan = drawScan(pageTwo, { format: 'jpeg' });
    // Letter-spaced noise, as bad OCR layers are ("t h e i r"): most tokens single letters.
    const garbled = 'T h e l i g h t h o u s e k e e p e r w r o t e o f s t o r m s';
    const result = (await parse(writeTemp('letter.pdf', imageOnlyPdf([scan], { garbledLayer: garbled })))) as ParsedDocument;
    expect(result.status).toBe('indexed');
    expect(result.pages[0]!.ocr!.confidence).toBeGreaterThanOrEqual(60);
    expect(recall(scan.words, result.pages[0]!.text)).toBeGreaterThanOrEqual(0.95);
    expect(result.pages[0]!.text).not.toContain('l i g h t');
  }, 120_000);

  it('reads a PNG image directly as a one-page document', async () => {
    const scan = drawScan(['Quarterly tide tables for the estuary', 'were copied by hand in the winter ledger.']);
    const result = (await parse(writeTemp('tides.png', scan.bytes))) as ParsedDocument;
    expect(result).toMatchObject({ status: 'indexed', format: 'image', pageCount: 1 });
    expect(recall(scan.words, result.pages[0]!.text)).toBeGreaterThanOrEqual(0.95);
    expect(result.chunks[0]).toMatchObject({ pageStart: 1 });
  }, 120_000);

  it('keeps needs_ocr, with the reason, when OCR finds no text it is at least 60% sure of', async () => {
    const blank = drawScan([], { height: 600 });
    const result = await parse(writeTemp('blank.png', blank.bytes));
    expect(result.status).toBe('needs_ocr');
    if (result.status === 'indexed') return;
    expect(result.problem.code).toBe('ocr_low_confidence');
    expect(result.problem.message).toMatch(/^OCR found no text it is at least 60% sure of on this image \(best \d+%\)\./);

    const pdf = imageOnlyPdf([{ typed: 'A typed first page.' }, drawScan([], { height: 600, format: 'jpeg' })]);
    const mixed = (await parse(writeTemp('mixed.pdf', pdf))) as ParsedDocument;
    expect(mixed.status).toBe('indexed');
    expect(mixed.notice).toEqual({ code: 'pages_without_text', message: 'Pages 2 have no usable text layer and were not indexed. OCR read one of them below 60% confidence.' });
  }, 120_000);

  it('is cancellable: abort() rejects the recognitions in flight and those waiting', async () => {
    const pool = new OcrPool(['eng'], 1);
    const image = drawScan(pageTwo).bytes;
    const running = pool.recognize(image);
    const waiting = pool.recognize(image);
    const outcomes = Promise.allSettled([running, waiting]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await pool.abort();
    expect((await outcomes).map((o) => (o.status === 'rejected' ? (o.reason as { code: string }).code : o.status))).toEqual(['cancelled', 'cancelled']);
    await expect(pool.recognize(image)).rejects.toMatchObject({ code: 'cancelled' });
  }, 60_000);

  it('stores OCR pages through the queue: the library marks the document OCR and keeps each word with its box', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-ocr-queue-'));
    dirs.push(dir);
    const db = openStore(dir);
    const queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => ['eng'] });
    try {
      const scan = drawScan(pageTwo, { format: 'jpeg' });
      const typed = path.join(dir, 'typed.pdf');
      const scanned = path.join(dir, 'scanned.pdf');
      writeFileSync(typed, imageOnlyPdf([{ typed: 'Only typed text here.' }]));
      writeFileSync(scanned, imageOnlyPdf([{ typed: 'Typed cover.' }, scan]));
      const { added } = await queue.addPaths([typed, scanned]);
      await queue.whenIdle();
      const [typedDoc, scannedDoc] = added.map((a) => queue.document(a.documentId));
      expect(typedDoc).toMatchObject({ status: 'indexed', ocr: false });
      expect(scannedDoc).toMatchObject({ status: 'indexed', ocr: true, pageCount: 2 });
      expect(pageOcr(db, scannedDoc!.id, 1)).toBeNull();
      const page = pageOcr(db, scannedDoc!.id, 2)!;
      expect(page.confidence).toBeGreaterThanOrEqual(60);
      expect(page.words.map((w) => w.text)).toContain('lighthouse');
      for (const word of page.words) expect(word.box.every((v) => v >= 0 && v <= 1)).toBe(true);
      // The viewer's page call brings the word boxes of scanned pages only, to highlight cited words on the scan.
      const [cover, scannedPage] = documentPages(db, scannedDoc!.id, 1, 2);
      expect(cover).not.toHaveProperty('ocr');
      expect(scannedPage!.ocr!.words.find((w) => w.text === 'lighthouse')).toEqual(page.words.find((w) => w.text === 'lighthouse'));
      // Answers citing the scanned page say it was read by OCR; the typed page's citations do not.
      expect([pagesReadByOcr(db, scannedDoc!.id, 1, 1), pagesReadByOcr(db, scannedDoc!.id, 1, 2), pagesReadByOcr(db, typedDoc!.id, 1, 1)]).toEqual([false, true, false]);
      expect(passagePages(db, scannedDoc!.id).map((p) => [p.pageStart, toSource(p, 1, true).ocr ?? false])).toEqual([[1, false], [2, true]]);
    } finally {
      await queue.close();
      db.close();
    }
  }, 120_000);

  it('reads with English and Chinese data loaded together (the Chinese UI default), in the order tesseract.js loads', async () => {
    const pool = new OcrPool(['chi_sim', 'eng'], 1);
    try {
      expect(pool.languages).toEqual(['eng', 'chi_sim']);
      const scan = drawScan(pageThree);
      const page = await pool.recognize(scan.bytes);
      expect(page.confidence).toBeGreaterThanOrEqual(60);
      expect(recall(scan.words, page.paragraphs.flatMap((p) => p.flatMap((l) => l.words.map((w) => w.text))).join(' '))).toBeGreaterThanOrEqual(0.95);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('follows the UI language unless Settings names one', () => {
    expect(ocrLanguagesFor('auto', 'en')).toEqual(['eng']);
    expect(ocrLanguagesFor('auto', 'zh-CN')).toEqual(['eng', 'chi_sim']);
    expect(ocrLanguagesFor('chi_sim', 'en')).toEqual(['chi_sim']);
    expect(ocrLanguagesFor('eng+chi_sim', 'en')).toEqual(['eng', 'chi_sim']);
  });

  itWithCorpus(['corpus/docs/scanned/loremipsum-flat.pdf'], 'reads the shared scanned PDF (a JPEG of a lorem ipsum page)', async () => {
    const file = writeTemp('loremipsum-flat.pdf', readFileSync(corpusFile('corpus/docs/scanned/loremipsum-flat.pdf')));
    const result = (await parse(file)) as ParsedDocument;
    expect(result.status).toBe('indexed');
    expect(result.pages[0]!.ocr!.confidence).toBeGreaterThanOrEqual(60);
    expect(result.pages[0]!.text.toLowerCase()).toMatch(/lorem ipsum/);
  }, 180_000);
});
