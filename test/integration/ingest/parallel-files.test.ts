import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LibraryEvent } from '../../../src/shared/contract/library';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { openStore, type Db } from '../../../src/main/store/db';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { noOrphans, orphanCounts, tempDataDir } from './helpers';

// Two parse workers: two files are read at the same time (seen in the order of their progress events, not in
// timings), one of them can be cancelled while the other finishes, and a damaged file fails on its own.

let data: ReturnType<typeof tempDataDir>;
let db: Db;
let queue: IngestQueue;
let events: LibraryEvent[];
beforeEach(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-parallel-files-');
  db = openStore(path.join(data.dir, 'data'));
  queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => [], parseWorkers: 2 });
  events = [];
  queue.onEvent((event) => events.push(event));
});
afterEach(async () => {
  await queue.close();
  db.close();
  data.cleanup();
});

function writePdf(name: string, pages: number): string {
  const file = path.join(data.dir, name);
  writeFileSync(file, generateTextPdf(pages, 30, (page, line) => `${name} page ${page} line ${line}: trace trees record hot loops.`));
  return file;
}

/** Resolves at the first progress event after which both documents have read pages and neither has finished reading. */
function bothParsing(a: number, b: number): Promise<void> {
  return new Promise((resolve) => {
    const read = new Map<number, number>();
    const stop = queue.onEvent((event) => {
      if (event.type !== 'progress' || event.progress.stage !== 'parsing') return;
      read.set(event.progress.documentId, event.progress.pagesDone);
      if ((read.get(a) ?? 0) > 0 && (read.get(b) ?? 0) > 0) {
        stop();
        resolve();
      }
    });
  });
}

const parsingOrder = () =>
  events.flatMap((e) => (e.type === 'progress' && (e.progress.stage === 'parsing' || e.progress.stage === 'chunking') ? [{ doc: e.progress.documentId, stage: e.progress.stage }] : []));

describe('two parse workers', () => {
  it('reads two files at the same time', async () => {
    const { added } = await queue.addPaths([writePdf('first.pdf', 150), writePdf('second.pdf', 150)]);
    const [a, b] = added.map((f) => f.documentId);
    let runningAtOnce = 0;
    queue.onEvent(() => (runningAtOnce = Math.max(runningAtOnce, queue.queueState().running)));
    await queue.whenIdle();
    expect([queue.document(a).status, queue.document(b).status]).toEqual(['indexed', 'indexed']);
    expect(runningAtOnce).toBe(2);
    // Overlap: each file reported reading progress before the other one started chunking.
    const order = parsingOrder();
    const firstParse = (doc: number) => order.findIndex((e) => e.doc === doc && e.stage === 'parsing');
    const chunked = (doc: number) => order.findIndex((e) => e.doc === doc && e.stage === 'chunking');
    expect(firstParse(b)).toBeLessThan(chunked(a));
    expect(firstParse(a)).toBeLessThan(chunked(b));
    expect(db.prepare('SELECT document_id AS d, COUNT(*) AS n FROM pages GROUP BY document_id ORDER BY d').all()).toEqual([{ d: a, n: 150 }, { d: b, n: 150 }]);
  }, 240_000);

  it('cancels one of two files being read while the other finishes', async () => {
    const { added } = await queue.addPaths([writePdf('keep.pdf', 200), writePdf('drop.pdf', 200)]);
    const [keep, drop] = added.map((f) => f.documentId);
    await bothParsing(keep, drop);
    expect(queue.cancel([drop])).toBe(1);
    await queue.whenIdle();
    expect(queue.document(drop)).toMatchObject({ status: 'cancelled', chunkCount: 0 });
    expect(queue.document(keep)).toMatchObject({ status: 'indexed', pageCount: 200 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM pages WHERE document_id = ?').get(drop)).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM pages WHERE document_id = ?').get(keep)).toEqual({ n: 200 });
    expect(orphanCounts(db)).toEqual(noOrphans);
  }, 240_000);

  it('fails a damaged file on its own while the other one is indexed', async () => {
    const damaged = path.join(data.dir, 'damaged.pdf');
    // A PDF header and then nothing a reader can use: its structure cannot be found.
    writeFileSync(damaged, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(4096, 0x41)]));
    const { added } = await queue.addPaths([writePdf('good.pdf', 120), damaged]);
    const [good, bad] = added.map((f) => f.documentId);
    await queue.whenIdle();
    expect(queue.document(bad)).toMatchObject({ status: 'failed', errorCode: 'corrupt_pdf' });
    expect(queue.document(good)).toMatchObject({ status: 'indexed', pageCount: 120 });
    expect(queue.queueState()).toMatchObject({ queued: 0, running: 0 });
  }, 240_000);

  it('cancelling everything stops both files being read and the one waiting', async () => {
    const { added } = await queue.addPaths([writePdf('one.pdf', 200), writePdf('two.pdf', 200), writePdf('three.pdf', 30)]);
    const [one, two, three] = added.map((f) => f.documentId);
    await bothParsing(one, two);
    expect(queue.cancel()).toBe(3);
    await queue.whenIdle();
    expect([one, two, three].map((id) => queue.document(id).status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM pages').get()).toEqual({ n: 0 });
    expect(queue.queueState()).toMatchObject({ queued: 0, running: 0 });
  }, 240_000);
});
