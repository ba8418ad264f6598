import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OcrPool } from '../../../src/main/ingest/ocr/pool';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { ThreadBudget } from '../../../src/main/ingest/thread-budget';
import { openStore } from '../../../src/main/store/db';
import { drawScan, imageOnlyPdf } from '../../fixtures/ingest/scanned';
import { tempDataDir } from './helpers';

// OCR under the ingestion thread budget: each file's recognitions beyond its first take free slots of the budget the
// parsers share, so two scanned files read at once never run more recognitions than the budget has cores, counted
// by the budget's probe across every thread.

const data = tempDataDir('lockstep-ocr-budget-');
afterAll(() => data.cleanup());
process.env.LOCKSTEP_LOG = 'silent';

const lines = (n: number) => [`Survey sheet ${n} of the river gauge`, `Station ${n} read ${n * 7} millimetres of rain`, 'The keeper signed the ledger at noon'];

describe('OCR under the shared thread budget', () => {
  it('two pools, each the pool of a file being read, never recognise more pages at once than the budget has cores', async () => {
    const cores = 2;
    const budget = ThreadBudget.of(cores);
    budget.take(); // each file's parser holds a slot while it reads, as the queue does
    budget.take();
    // Each pool has as many tesseract workers as cores, as an ingest worker's pool does: unbudgeted they would run 2x.
    const pools = [new OcrPool(['eng'], cores, budget), new OcrPool(['eng'], cores, budget)];
    try {
      const image = drawScan(lines(1)).bytes;
      const pages = await Promise.all(pools.flatMap((pool) => Array.from({ length: 3 * cores }, () => pool.recognize(image))));
      expect(pages.every((page) => page.confidence >= 60)).toBe(true);
      expect(budget.recognitionsPeak).toBeGreaterThan(0);
      expect(budget.recognitionsPeak).toBeLessThanOrEqual(cores);
      expect(budget.free).toBe(0); // every slot a recognition borrowed came back
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  }, 180_000);

  it('terminates idle tesseract workers after its idle time and starts them again for the next page', async () => {
    const pool = new OcrPool(['eng'], 1, null, { idleMs: 200 });
    try {
      const image = drawScan(lines(3)).bytes;
      expect((await pool.recognize(image)).confidence).toBeGreaterThanOrEqual(60);
      expect(pool.started).toBe(true);
      await vi.waitFor(() => expect(pool.started).toBe(false), { timeout: 10_000, interval: 50 });
      const again = await pool.recognize(image);
      expect(again.paragraphs.flat().map((line) => line.text).join(' ')).toContain('river gauge');
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('two scanned PDFs through the queue at once stay within the cores', async () => {
    const db = openStore(path.join(data.dir, 'data'));
    const queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => ['eng'], parseWorkers: 2 });
    try {
      const files = ['north', 'south'].map((name, i) => {
        const file = path.join(data.dir, `${name}-scan.pdf`);
        writeFileSync(file, imageOnlyPdf(Array.from({ length: 4 }, (_, page) => drawScan(lines(10 * i + page), { format: 'jpeg' }))));
        return file;
      });
      const { added } = await queue.addPaths(files);
      await queue.whenIdle();
      expect(added.map((a) => queue.document(a.documentId)?.status)).toEqual(['indexed', 'indexed']);
      const probe = (queue as unknown as { threads: ThreadBudget }).threads;
      expect(probe.recognitionsPeak).toBeGreaterThan(0);
      expect(probe.recognitionsPeak).toBeLessThanOrEqual(os.availableParallelism());
    } finally {
      await queue.close();
      db.close();
    }
  }, 300_000);
});
