import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkDocument, chunkOptionsFor, type Chunk } from '../../../src/main/ingest/chunker';
import { converters } from '../../../src/main/ingest/converters/index';
import { defaultLimits, type SourcePage } from '../../../src/main/ingest/document';
import { profileDocument, profileLabel } from '../../../src/main/ingest/document-profile';
import { SINK_BATCH_PAGES, type StoredPage } from '../../../src/main/ingest/page-stream';
import { placeBlocks } from '../../../src/main/ingest/pages';
import { streamFile } from '../../../src/main/ingest/parse';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { openStore, type Db } from '../../../src/main/store/db';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { tempDataDir } from './helpers';

// Pages stream from the PDF converter through the chunker to the store in batches: what a parse holds at once does
// not grow with the document, the chunks are the ones the whole-document chunker cuts, and the library shows none of
// a document until the one transaction that commits it.

const data = tempDataDir('lockstep-streaming-');
afterAll(() => data.cleanup());
process.env.LOCKSTEP_LOG = 'silent';

/** Varied lines, so chunks differ from page to page; each page carries a heading every 20 pages. */
const line = (page: number, n: number) => `Section ${Math.ceil(page / 20)} page ${page} line ${n}: ${['trace trees record hot loops', 'the compiler emits native code', 'guards exit to the interpreter'][(page + n) % 3]}.`;

function writePdf(pages: number): string {
  const file = path.join(data.dir, `generated-${pages}.pdf`);
  writeFileSync(file, generateTextPdf(pages, 30, line));
  return file;
}

/** The chunks as the whole-document pipeline cut them: every page in memory, then the profile, then the chunker. */
async function wholeDocumentChunks(file: string, pageCount: number): Promise<Chunk[]> {
  const bytes = new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(file)));
  const run = converters.pdf({ bytes, fileName: path.basename(file), limits: defaultLimits, onProgress: () => undefined });
  const pages: SourcePage[] = [];
  for (let step = await run.next(); !step.done; step = await run.next()) pages.push(step.value);
  expect(pages).toHaveLength(pageCount);
  const usable = pages.map(placeBlocks).filter((p) => p.text.trim());
  const documentLabel = profileLabel(profileDocument(usable.map((p) => p.text), path.basename(file)));
  return chunkDocument(usable, { ...chunkOptionsFor(256, await loadTokenCounter(MINILM_TOKENIZER_DIR)), documentLabel });
}

async function stream(file: string) {
  const counter = await loadTokenCounter(MINILM_TOKENIZER_DIR);
  let parsedPages = 0;
  const batches: { pages: StoredPage[]; chunks: Chunk[]; parsedBefore: number }[] = [];
  const result = await streamFile(
    { filePath: file, chunkTokens: 256, ocrLanguages: [] },
    counter,
    (stage, done) => stage === 'parsing' && (parsedPages = done),
    (pages, chunks) => batches.push({ pages, chunks, parsedBefore: parsedPages }),
  );
  if (result.status !== 'indexed') throw new Error(result.problem.message);
  return { result, batches };
}

describe('streamed parsing', () => {
  it('holds the same few pages at once for 100 and 300 pages, and hands batches over while the PDF is still being read', async () => {
    const short = await stream(writePdf(100));
    const long = await stream(writePdf(300));
    // Bounded by one sink batch plus the chunk being filled, whatever the length.
    expect(long.result.pagesHeldPeak).toBeLessThanOrEqual(SINK_BATCH_PAGES + 2);
    expect(long.result.pagesHeldPeak).toBe(short.result.pagesHeldPeak);
    expect(long.batches.length).toBeGreaterThanOrEqual(300 / SINK_BATCH_PAGES);
    for (const batch of long.batches) expect(batch.pages.length).toBeLessThanOrEqual(SINK_BATCH_PAGES);
    // The first batch reached the sink when only a small part of the document had been read.
    expect(long.batches[0].parsedBefore).toBeLessThan(60);
    expect(long.batches.flatMap((b) => b.pages.map((p) => p.number))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  }, 180_000);

  it('cuts exactly the chunks the whole-document chunker cuts, in order', async () => {
    const file = writePdf(120);
    const { result, batches } = await stream(file);
    const streamed = batches.flatMap((b) => b.chunks);
    expect(result.chunkCount).toBe(streamed.length);
    expect(streamed).toEqual(await wholeDocumentChunks(file, 120));
    expect(streamed.map((c) => c.ordinal)).toEqual(streamed.map((_, i) => i));
  }, 180_000);

  it('stages a document out of sight and commits it in one transaction', async () => {
    const dataDir = path.join(data.dir, 'library');
    const db = openStore(dataDir);
    const reader = openStore(dataDir);
    const queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => [] });
    try {
      let seenWhileStaging: { staged: number; visiblePages: number; visibleChunks: number } | null = null;
      queue.onEvent((event) => {
        if (seenWhileStaging || event.type !== 'progress' || event.progress.stage !== 'parsing' || event.progress.pagesDone < 120) return;
        const n = (sql: string, d: Db) => (d.prepare(sql).get() as { n: number }).n;
        seenWhileStaging = {
          staged: n('SELECT COUNT(*) AS n FROM temp.staged_pages', db),
          visiblePages: n('SELECT COUNT(*) AS n FROM pages', reader),
          visibleChunks: n('SELECT COUNT(*) AS n FROM chunks', reader),
        };
      });
      const { added } = await queue.addPaths([writePdf(300)]);
      await queue.whenIdle();
      expect(seenWhileStaging).not.toBeNull();
      expect(seenWhileStaging!.staged).toBeGreaterThan(0);
      expect(seenWhileStaging).toMatchObject({ visiblePages: 0, visibleChunks: 0 });
      expect(queue.document(added[0].documentId)).toMatchObject({ status: 'indexed', pageCount: 300 });
      expect(reader.prepare('SELECT COUNT(*) AS n FROM pages WHERE document_id = ?').get(added[0].documentId)).toEqual({ n: 300 });
      // Nothing is left in the staging tables once the document is committed.
      expect(db.prepare('SELECT (SELECT COUNT(*) FROM temp.staged_pages) + (SELECT COUNT(*) FROM temp.staged_chunks) AS n').get()).toEqual({ n: 0 });
    } finally {
      await queue.close();
      reader.close();
      db.close();
    }
  }, 180_000);
});
