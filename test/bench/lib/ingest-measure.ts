// A measuring child of bench:ingest. The bench bundles it (bundle-engines.ts) and runs it on plain Node, as the app
// ships, so its peak resident set is the product's, not tsx's. One measurement per process, printed as one JSON line:
//   lockstep <tokenizerDir> <file>            streamed parse (extraction, layout, chunking; pages go to a sink that
//                                             drops them, as the queue stages them on disk)
//   whole <tokenizerDir> <file>               the same parse collecting every page and chunk in memory (parseFile), the
//                                             peak-RSS anchor for streaming
//   pdfjs <file>                              bare one-thread pdf.js text extraction
//   queue <workers> <tokenizerDir> <file...>  the ingestion queue with this many parse workers, files added at once
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseFile, streamFile } from '../../../src/main/ingest/parse';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { openStore } from '../../../src/main/store/db';

export interface Measurement {
  pages: number;
  seconds: number;
  pagesPerSecond: number;
  peakRssMb: number;
  chunks?: number;
  /** Streamed parse: the most pages held at once between the converter and the sink. */
  pagesHeldPeak?: number;
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

function measured(pages: number, started: number, extra: Partial<Measurement> = {}): Measurement {
  const seconds = (performance.now() - started) / 1000;
  return { pages, seconds: Number(seconds.toFixed(3)), pagesPerSecond: Number((pages / seconds).toFixed(1)), peakRssMb: peakRssMb(), ...extra };
}

async function streamed(tokenizer: string, file: string, whole: boolean): Promise<Measurement> {
  const counter = await loadTokenCounter(tokenizer);
  const started = performance.now();
  // OCR off: pdftotext does not recognise image-only pages either, so both read the same text layer.
  const request = { filePath: file, chunkTokens: 256, ocrLanguages: [] };
  const result = whole ? await parseFile(request, counter, () => undefined) : await streamFile(request, counter, () => undefined, () => undefined);
  if (result.status !== 'indexed') throw new Error(`${file}: ${result.status}`);
  return measured(result.pageCount, started, { chunks: result.chunkCount, pagesHeldPeak: result.pagesHeldPeak });
}

async function barePdfJs(file: string): Promise<Measurement> {
  const started = performance.now();
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(await readFile(file)), verbosity: 0, isEvalSupported: false }).promise;
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    await page.getTextContent();
    page.cleanup();
  }
  const pages = doc.numPages;
  await doc.destroy();
  return measured(pages, started);
}

async function throughQueue(workers: number, tokenizer: string, files: string[]): Promise<Measurement> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-queue-'));
  const db = openStore(dataDir);
  const queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => tokenizer, ocrLanguages: () => [], parseWorkers: workers });
  try {
    const started = performance.now();
    const { added } = await queue.addPaths(files);
    await queue.whenIdle();
    const docs = added.map((file) => queue.document(file.documentId));
    const failed = docs.filter((doc) => doc.status !== 'indexed');
    if (failed.length) throw new Error(`not indexed: ${failed.map((doc) => `${doc.title} (${doc.status})`).join(', ')}`);
    return measured(docs.reduce((sum, doc) => sum + (doc.pageCount ?? 0), 0), started, { chunks: docs.reduce((sum, doc) => sum + doc.chunkCount, 0) });
  } finally {
    await queue.close();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const [method, ...args] = process.argv.slice(2);
const result =
  method === 'lockstep' || method === 'whole' ? await streamed(args[0], args[1], method === 'whole')
  : method === 'pdfjs' ? await barePdfJs(args[0])
  : method === 'queue' ? await throughQueue(Number(args[0]), args[1], args.slice(2))
  : null;
if (!result) throw new Error(`unknown measurement ${method}`);
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0); // an OCR pool or a worker started on the way would keep the child alive
