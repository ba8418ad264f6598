// npm run bench:ingest [-- --runs N --file more.pdf] — pages/s and peak RSS of Lockstep's PDF ingestion (parse,
// page-parallel extraction, layout, chunking with the real all-MiniLM-L6-v2 tokenizer; no embedding) for
// tracemonkey.pdf, maint-guide.en.pdf, a generated 600-page PDF and any --file. Anchor, measured in the same run:
// poppler's pdftotext on the same file (ratio_vs_pdftotext, medians of N runs); bare single-threaded pdfjs text
// extraction is reported beside it, and the peak RSS of the same parse holding the whole document. multi_file runs several PDFs through the ingestion queue at once (parse, chunk,
// stage and commit to SQLite) with one parse worker and with two, the two-worker gain. Each measurement runs bundled on
// plain Node in its own child process (lib/ingest-measure.ts), so peak RSS belongs to that file alone and not to tsx.
// Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateTextPdf } from '../fixtures/ingest/generated-pdf';
import { MINILM_TOKENIZER_DIR } from '../fixtures/tokenizers';
import { corpusFile } from '../support/corpus';
import { bundleEngines } from './lib/bundle-engines';
import type { Measurement } from './lib/ingest-measure';

const tokenizer = MINILM_TOKENIZER_DIR;
let measureScript = '';

function runChild(args: string[]): Measurement {
  const child = spawnSync(process.execPath, [measureScript, ...args], { encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG: 'silent' } });
  if (child.status !== 0) throw new Error(`measuring ${args.join(' ')} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Measurement;
}

/** The corpus PDFs added together in the multi-file run (with a generated 120-page one). */
const MULTI_FILE = ['corpus/docs/pdf/tracemonkey.pdf', 'corpus/docs/pdf/maint-guide.en.pdf', 'corpus/docs/pdf/maint-guide.zh-cn.pdf', 'corpus/docs/pdf/multi-column.pdf', 'corpus/docs/pdf/korean-text-with-tables.pdf'];

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
  measureScript = (await bundleEngines(['ingest-measure.ts'])).get('ingest-measure.ts')!;
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
      const lockstep = Array.from({ length: runs }, () => runChild(['lockstep', tokenizer, file]));
      const pages = lockstep[0].pages;
      const pdfjs = runChild(['pdfjs', file]);
      const whole = runChild(['whole', tokenizer, file]);
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
        pages_held_peak: lockstep[0].pagesHeldPeak,
        // The same parse holding every page and chunk until the end, as before streaming: what streaming saves.
        peak_rss_mb_whole_document: whole.peakRssMb,
      });
    }
    // Several documents added at once: one parse worker against two, in the same run.
    const batch = { ...Object.fromEntries(MULTI_FILE.map((rel) => [path.basename(rel), corpusFile(rel)])), 'generated-120.pdf': path.join(temp, 'generated-120.pdf') };
    writeFileSync(batch['generated-120.pdf'], generateTextPdf(120));
    const queueRun = (workers: number) => Array.from({ length: runs }, () => runChild(['queue', String(workers), tokenizer, ...Object.values(batch)]));
    const one = queueRun(1);
    const two = queueRun(2);
    const onePagesPerSecond = median(one.map((m) => m.pagesPerSecond));
    const twoPagesPerSecond = median(two.map((m) => m.pagesPerSecond));
    const multiFile = {
      documents: Object.keys(batch),
      pages: one[0].pages,
      one_worker_pages_per_s: onePagesPerSecond,
      two_workers_pages_per_s: twoPagesPerSecond,
      two_worker_gain: Number((twoPagesPerSecond / onePagesPerSecond).toFixed(2)),
      peak_rss_mb_one_worker: Math.max(...one.map((m) => m.peakRssMb)),
      peak_rss_mb_two_workers: Math.max(...two.map((m) => m.peakRssMb)),
    };
    const load = os.loadavg()[0];
    process.stdout.write(JSON.stringify({ bench: 'ingest', node: process.version, cpus: os.availableParallelism(), load_1m: Number(load.toFixed(2)), runs, documents, multi_file: multiFile }, null, 2) + '\n');
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
