import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParserWorker } from '../../../src/main/ingest/parser-client';
import { BATCH_CREDITS } from '../../../src/main/ingest/protocol';
import { SINK_BATCH_PAGES } from '../../../src/main/ingest/page-stream';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { tempDataDir } from './helpers';

// Credit-based flow control between the ingest worker and the queue: a consumer that takes its batches slowly never has
// more than the worker's credit waiting for it, every page still arrives once and in order, and a parse whose worker
// is waiting for credit can still be cancelled.

const data = tempDataDir('lockstep-back-pressure-');
afterAll(() => data.cleanup());
process.env.LOCKSTEP_LOG = 'silent';

const PAGES = 300;
const file = path.join(data.dir, 'generated-300.pdf');
writeFileSync(file, generateTextPdf(PAGES, 20, (page, line) => `Ledger page ${page} line ${line}: the auditor checked every entry.`));

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('back-pressure from the queue to the ingest worker', () => {
  it('a slow consumer sees at most the credit outstanding, and every page arrives in order', async () => {
    const parser = new ParserWorker(async () => null, 60_000, undefined, null, 2);
    try {
      const numbers: number[] = [];
      const result = await parser.parse({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, () => undefined, async (pages) => {
        numbers.push(...pages.map((p) => p.number));
        // Slow enough that an unthrottled worker would post every batch of the file before the second is taken.
        await pause(150);
      });
      expect(result.status).toBe('indexed');
      expect(numbers).toEqual(Array.from({ length: PAGES }, (_, i) => i + 1));
      expect(parser.peakBatchesInFlight).toBeGreaterThan(0);
      expect(parser.peakBatchesInFlight).toBeLessThanOrEqual(2);
    } finally {
      await parser.close();
    }
  });

  it('the default credit bounds a file of many batches', async () => {
    expect(PAGES / SINK_BATCH_PAGES).toBeGreaterThan(BATCH_CREDITS * 3);
    const parser = new ParserWorker(async () => null, 60_000);
    try {
      let pages = 0;
      const result = await parser.parse({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, () => undefined, async (batch) => {
        pages += batch.length;
        await pause(120);
      });
      expect(result.status).toBe('indexed');
      expect(pages).toBe(PAGES);
      expect(parser.peakBatchesInFlight).toBeLessThanOrEqual(BATCH_CREDITS);
    } finally {
      await parser.close();
    }
  });

  it('a cancel while the worker waits for credit ends the parse, and the next parse works', async () => {
    const parser = new ParserWorker(async () => null, 60_000, undefined, null, 1);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstBatch!: () => void;
      const received = new Promise<void>((resolve) => (firstBatch = resolve));
      let batches = 0;
      // The consumer never finishes its first batch, so the worker spends its one credit and waits.
      const parsing = parser.parse({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, () => undefined, () => {
        batches++;
        firstBatch();
        return held;
      });
      await received;
      await pause(300);
      expect(batches).toBe(1);
      expect(parser.peakBatchesInFlight).toBe(1);
      parser.stop();
      await expect(parsing).rejects.toMatchObject({ code: 'cancelled' });
      release();
      let pages = 0;
      const again = await parser.parse({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, () => undefined, (batch) => {
        pages += batch.length;
      });
      expect(again.status).toBe('indexed');
      expect(pages).toBe(PAGES);
    } finally {
      await parser.close();
    }
  });
});
