// npm run test:corpus [-- --dest DIR] [--manifest FILE]: downloads the third-party test corpus (test/corpus/manifest.json)
// into the cache (LOCKSTEP_TEST_CORPUS_CACHE, else $XDG_CACHE_HOME/lockstep/test-corpus), verifying every sha256.
// Files already verified there are kept. Exits 1, naming each file, if anything is still missing afterwards.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_MANIFEST, corpusCacheDir, fetchCorpus, readCorpusManifest, type FetchProgress } from './lib/test-corpus';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** One line per file; on a terminal the line is redrawn as bytes arrive. */
function progressPrinter(stream: NodeJS.WriteStream): (p: FetchProgress) => void {
  let lastLine = '';
  return (p) => {
    const percent = p.totalBytes > 0 ? Math.floor((100 * p.doneBytes) / p.totalBytes) : 100;
    const line = `[${String(p.index).padStart(String(p.count).length)}/${p.count}] ${String(percent).padStart(3)}%  ${mb(p.doneBytes)} of ${mb(p.totalBytes)}  ${p.path}`;
    if (stream.isTTY) stream.write(`\r${line.padEnd(lastLine.length)}`);
    else if (line.split('  ').at(-1) !== lastLine.split('  ').at(-1)) stream.write(`${line}\n`);
    lastLine = line;
  };
}

export async function main(argv: string[]): Promise<number> {
  const option = (name: string) => { const at = argv.indexOf(name); return at >= 0 ? argv[at + 1] : undefined; };
  const manifestFile = path.resolve(option('--manifest') ?? CORPUS_MANIFEST);
  const dest = path.resolve(option('--dest') ?? corpusCacheDir());
  const manifest = readCorpusManifest(manifestFile);
  process.stdout.write(`Test corpus: ${manifest.files.length} files into ${dest}\n`);
  const report = await fetchCorpus(manifest, dest, { onProgress: progressPrinter(process.stdout) });
  if (process.stdout.isTTY) process.stdout.write('\n');
  process.stdout.write(`${report.downloaded.length} downloaded, ${report.alreadyPresent.length} already verified, ${report.failed.length} missing.\n`);
  for (const failure of report.failed) process.stderr.write(`missing ${failure.path}: ${failure.reason}\n`);
  if (report.failed.length > 0) {
    process.stderr.write(`The corpus is incomplete: corpus tests will be skipped (or fail under LOCKSTEP_REQUIRE_CORPUS=1). Run this again to retry; partial downloads resume.\n`);
    return 1;
  }
  process.stdout.write(`Corpus ready. npm test finds it there (or set LOCKSTEP_TEST_CORPUS=${dest}).\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`test:corpus failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
