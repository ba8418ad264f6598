// npm run bench:ingest — pages/s and peak RSS of Lockstep's PDF ingestion (parse, layout, chunking with the real
// all-MiniLM-L6-v2 tokenizer) for tracemonkey.pdf, maint-guide.en.pdf and a generated 600-page PDF. Anchor, measured in
// the same run: bare pdfjs text extraction (getTextContent on every page, nothing else) of the same file. Each
// measurement runs in its own child process so peak RSS belongs to that file alone. Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFile } from '../../src/main/ingest/parse';
import { loadTokenCounter } from '../../src/main/ingest/tokens';
import { generateTextPdf } from '../fixtures/ingest/generated-pdf';
import { MINILM_TOKENIZER_DIR } from '../fixtures/tokenizers';
import { corpusFile } from '../support/corpus';

const here = fileURLToPath(import.meta.url);
const tokenizer = MINILM_TOKENIZER_DIR;

interface Measurement {
  pages: number;
  seconds: number;
  pagesPerSecond: number;
  peakRssMb: number;
  chunks?: number;
}

/** Child mode: measure one file with one method and print the measurement. */
async function measureOne(method: 'lockstep' | 'pdfjs', file: string): Promise<Measurement> {
  const started = performance.now();
  let pages = 0;
  let chunks: number | undefined;
  if (method === 'lockstep') {
    const result = await parseFile({ filePath: file, chunkTokens: 256 }, await loadTokenCounter(tokenizer), () => undefined);
    if (result.status !== 'indexed') throw new Error(`${file}: ${result.status}`);
    pages = result.pageCount;
    chunks = result.chunks.length;
  } else {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(await readFile(file)), verbosity: 0, isEvalSupported: false }).promise;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      await page.getTextContent();
      page.cleanup();
    }
    pages = doc.numPages;
    await doc.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return { pages, seconds: Number(seconds.toFixed(3)), pagesPerSecond: Number((pages / seconds).toFixed(1)), peakRssMb, ...(chunks === undefined ? {} : { chunks }) };
}

function runChild(method: 'lockstep' | 'pdfjs', file: string): Measurement {
  const child = spawnSync(process.execPath, ['--import', 'tsx', here, '--measure', method, file], { encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG: 'silent' } });
  if (child.status !== 0) throw new Error(`measuring ${file} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measurement;
}

async function main() {
  const measure = process.argv.indexOf('--measure');
  if (measure > 0) {
    const result = await measureOne(process.argv[measure + 1] as 'lockstep' | 'pdfjs', process.argv[measure + 2]);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const temp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-ingest-'));
  try {
    const generated = path.join(temp, 'generated-600.pdf');
    writeFileSync(generated, generateTextPdf(600));
    const files = {
      'tracemonkey.pdf': corpusFile('corpus/docs/pdf/tracemonkey.pdf'),
      'maint-guide.en.pdf': corpusFile('corpus/docs/pdf/maint-guide.en.pdf'),
      'generated-600.pdf': generated,
    };
    const results: Record<string, { lockstep: Measurement; anchorPdfjsTextOnly: Measurement; relativeSpeed: number }> = {};
    for (const [name, file] of Object.entries(files)) {
      const lockstep = runChild('lockstep', file);
      const anchor = runChild('pdfjs', file);
      results[name] = { lockstep, anchorPdfjsTextOnly: anchor, relativeSpeed: Number((lockstep.pagesPerSecond / anchor.pagesPerSecond).toFixed(2)) };
    }
    process.stdout.write(JSON.stringify({ bench: 'ingest', node: process.version, cpus: os.availableParallelism(), results }, null, 2) + '\n');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
