// npm run bench:ingest [-- --runs N --file more.pdf] — pages/s and peak RSS of Lockstep's PDF ingestion (parse,
// page-parallel extraction, layout, chunking with the real all-MiniLM-L6-v2 tokenizer; no embedding) for
// tracemonkey.pdf, maint-guide.en.pdf, a generated 600-page PDF and any --file. Anchor, measured in the same run:
// poppler's pdftotext on the same file (ratio_vs_pdftotext, medians of N runs); bare single-threaded pdfjs text
// extraction is reported beside it. Each measurement runs in its own child process so peak RSS belongs to that file
// alone. Prints one JSON object.
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
    // OCR off: pdftotext does not recognise image-only pages either, so both read the same text layer.
    const result = await parseFile({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, await loadTokenCounter(tokenizer), () => undefined);
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Poppler's pdftotext on the same file: the speed of a native text extractor, measured in the same run. */
function pdftotextPagesPerSecond(file: string, pages: number): number | null {
  const started = performance.now();
  const run = spawnSync('pdftotext', ['-q', file, '-'], { encoding: 'buffer', maxBuffer: 1 << 30 });
  if (run.error || run.status !== 0) return null;
  return pages / ((performance.now() - started) / 1000);
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

async function main() {
  const measure = process.argv.indexOf('--measure');
  if (measure > 0) {
    const result = await measureOne(process.argv[measure + 1] as 'lockstep' | 'pdfjs', process.argv[measure + 2]);
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0); // an OCR pool started for image-only pages would keep the child alive
  }
  const runs = Number(argValue('--runs') ?? 3);
  const extraFiles = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--file' ? [arg] : []));
  const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;
  if (!hasPdftotext) process.stderr.write('pdftotext is not installed, so there is no native anchor: apt-get install -y poppler-utils\n');
  const temp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-ingest-'));
  try {
    const generated = path.join(temp, 'generated-600.pdf');
    writeFileSync(generated, generateTextPdf(600));
    const files: Record<string, string> = {
      'tracemonkey.pdf': corpusFile('corpus/docs/pdf/tracemonkey.pdf'),
      'maint-guide.en.pdf': corpusFile('corpus/docs/pdf/maint-guide.en.pdf'),
      'generated-600.pdf': generated,
      ...Object.fromEntries(extraFiles.map((file) => [path.basename(file), path.resolve(file)])),
    };
    const documents = [];
    for (const [name, file] of Object.entries(files)) {
      const lockstep = Array.from({ length: runs }, () => runChild('lockstep', file));
      const pages = lockstep[0].pages;
      const pdfjs = runChild('pdfjs', file);
      const pagesPerSecond = median(lockstep.map((m) => m.pagesPerSecond));
      const pdftotext = hasPdftotext ? Array.from({ length: runs }, () => pdftotextPagesPerSecond(file, pages)) : [];
      const anchor = pdftotext.every((v) => v !== null) && pdftotext.length ? median(pdftotext as number[]) : null;
      documents.push({
        name,
        pages,
        chunks: lockstep[0].chunks,
        pages_per_s: pagesPerSecond,
        pdftotext_pages_per_s: anchor === null ? null : Number(anchor.toFixed(1)),
        ratio_vs_pdftotext: anchor === null ? null : Number((pagesPerSecond / anchor).toFixed(3)),
        pdfjs_text_only_pages_per_s: pdfjs.pagesPerSecond,
        peak_rss_mb: Math.max(...lockstep.map((m) => m.peakRssMb)),
      });
    }
    const load = os.loadavg()[0];
    process.stdout.write(JSON.stringify({ bench: 'ingest', node: process.version, cpus: os.availableParallelism(), load_1m: Number(load.toFixed(2)), runs, documents }, null, 2) + '\n');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
