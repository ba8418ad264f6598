import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { llama2cToGguf } from './llama2c-gguf';

// The test corpus: third-party files the tests link rather than copy (test/corpus/manifest.json). This module reads
// the manifest, names the cache folder, and downloads, builds and verifies files into it; `npm run test:corpus` drives it.

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CORPUS_MANIFEST = path.join(repoRoot, 'test/corpus/manifest.json');
export const FETCH_CORPUS_COMMAND = 'npm run test:corpus';

/** A file inside a downloaded archive (a Debian package), checked against its own hash before extraction. */
export interface CorpusArchive { type: 'deb'; size: number; sha256: string; member: string }

export interface CorpusFile {
  /** Relative to the corpus root, `/`-separated: the same layout as ../shared. */
  path: string;
  size: number;
  sha256: string;
  licence: string;
  /** Where the file (or the archive that holds it) is downloaded from; absent for a file made from others. */
  url?: string;
  /** Set when `url` is an archive that holds the file rather than the file itself. */
  archive?: CorpusArchive;
  /** Corpus files this one is converted from, when no public copy of the exact bytes exists. */
  derivedFrom?: string[];
  /** How `derivedFrom` becomes this file: `llama2c-to-gguf` takes [checkpoint, tokenizer.bin]. */
  build?: 'llama2c-to-gguf';
  note?: string;
}

export interface CorpusManifest { description?: string; files: CorpusFile[] }

export function readCorpusManifest(file = CORPUS_MANIFEST): CorpusManifest {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as CorpusManifest;
  for (const f of manifest.files) {
    if (path.isAbsolute(f.path) || f.path.split('/').includes('..')) throw new Error(`${file}: "${f.path}" must be a relative path inside the corpus`);
  }
  return manifest;
}

/** `LOCKSTEP_TEST_CORPUS_CACHE`, else `$XDG_CACHE_HOME/lockstep/test-corpus`, else `~/.cache/lockstep/test-corpus`. */
export function corpusCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LOCKSTEP_TEST_CORPUS_CACHE) return path.resolve(env.LOCKSTEP_TEST_CORPUS_CACHE);
  const cacheHome = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'lockstep', 'test-corpus');
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** True when `file` exists with the expected size and hash. */
export async function isVerified(file: string, size: number, sha256: string): Promise<boolean> {
  if (!existsSync(file) || statSync(file).size !== size) return false;
  return (await sha256OfFile(file)) === sha256;
}

export interface FetchProgress {
  /** 1-based position of the file being fetched, out of `count`. */
  index: number;
  count: number;
  path: string;
  /** Bytes of the whole run already verified or received, out of `totalBytes` (every file's download size). */
  doneBytes: number;
  totalBytes: number;
}

export interface FetchOptions {
  fetch?: typeof fetch;
  onProgress?: (p: FetchProgress) => void;
  /** Per-request limit; a download that stalls longer fails with a message naming the file. */
  timeoutMs?: number;
}

export interface FetchReport {
  alreadyPresent: string[];
  downloaded: string[];
  failed: { path: string; reason: string }[];
}

const downloadSize = (f: CorpusFile) => (f.url ? (f.archive?.size ?? f.size) : 0);

/** Brings every manifest file into `dest`, verified; files already verified there are left alone. Never throws for one file. */
export async function fetchCorpus(manifest: CorpusManifest, dest: string, options: FetchOptions = {}): Promise<FetchReport> {
  const report: FetchReport = { alreadyPresent: [], downloaded: [], failed: [] };
  const totalBytes = manifest.files.reduce((sum, f) => sum + downloadSize(f), 0);
  let doneBytes = 0;
  // Files made from others come last, once their sources are in place.
  const ordered = [...manifest.files.filter((f) => !f.derivedFrom), ...manifest.files.filter((f) => f.derivedFrom)];
  for (const [i, file] of ordered.entries()) {
    const progress = (extra: number) => options.onProgress?.({ index: i + 1, count: manifest.files.length, path: file.path, doneBytes: doneBytes + extra, totalBytes });
    const target = path.join(dest, ...file.path.split('/'));
    try {
      if (await isVerified(target, file.size, file.sha256)) {
        report.alreadyPresent.push(file.path);
      } else {
        progress(0);
        await fetchOne(file, target, dest, options, progress);
        report.downloaded.push(file.path);
      }
    } catch (error) {
      report.failed.push({ path: file.path, reason: error instanceof Error ? error.message : String(error) });
    }
    doneBytes += downloadSize(file);
    progress(0);
  }
  const order = new Map(manifest.files.map((f, i) => [f.path, i]));
  for (const list of [report.alreadyPresent, report.downloaded]) list.sort((a, b) => order.get(a)! - order.get(b)!);
  report.failed.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
  return report;
}

async function fetchOne(file: CorpusFile, target: string, dest: string, options: FetchOptions, progress: (bytes: number) => void): Promise<void> {
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.part`;
  if (file.derivedFrom) {
    await buildDerived(file, temp, dest);
    await verifyThenRename(temp, target, file.size, file.sha256, `${file.path} (built from ${file.derivedFrom.join(' and ')})`);
    return;
  }
  if (!file.url) throw new Error(`${file.path} has neither a url nor derivedFrom in the manifest`);
  if (!file.archive) {
    await download(file.url, temp, file.path, options, progress);
    await verifyThenRename(temp, target, file.size, file.sha256, `${file.path} (from ${file.url})`);
    return;
  }
  const downloads = path.join(dest, '.downloads');
  mkdirSync(downloads, { recursive: true });
  const archive = path.join(downloads, path.basename(new URL(file.url).pathname));
  if (!(await isVerified(archive, file.archive.size, file.archive.sha256))) {
    await download(file.url, `${archive}.part`, file.path, options, progress);
    await verifyThenRename(`${archive}.part`, archive, file.archive.size, file.archive.sha256, `the package ${path.basename(archive)} that holds ${file.path} (from ${file.url})`);
  }
  await extractDebMember(archive, file.archive.member, temp);
  await verifyThenRename(temp, target, file.size, file.sha256, `${file.path} (extracted from ${path.basename(archive)})`);
  rmSync(archive, { force: true });
}

async function buildDerived(file: CorpusFile, temp: string, dest: string): Promise<void> {
  const sources = file.derivedFrom!.map((source) => path.join(dest, ...source.split('/')));
  const absent = file.derivedFrom!.filter((_, i) => !existsSync(sources[i]!));
  if (absent.length > 0) throw new Error(`cannot build ${file.path}: ${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} missing`);
  if (file.build !== 'llama2c-to-gguf' || sources.length !== 2) throw new Error(`cannot build ${file.path}: unknown build "${file.build ?? ''}" in the manifest`);
  llama2cToGguf(sources[0]!, sources[1]!, temp, path.basename(file.path, '.gguf'));
}

async function verifyThenRename(temp: string, target: string, size: number, sha256: string, what: string): Promise<void> {
  const actual = await sha256OfFile(temp);
  if (actual !== sha256) {
    const gotSize = statSync(temp).size;
    rmSync(temp, { force: true });
    throw new Error(`sha256 mismatch for ${what}: expected ${sha256} (${size} bytes), got ${actual} (${gotSize} bytes). The file was discarded.`);
  }
  renameSync(temp, target); // atomic within the cache folder: a reader sees the old state or the verified file
}

/** GETs `url` into `temp`, resuming a partial `temp` with a Range request; a server that ignores Range restarts it. */
async function download(url: string, temp: string, name: string, options: FetchOptions, progress: (bytes: number) => void): Promise<void> {
  const fetchImpl = options.fetch ?? fetch;
  const have = existsSync(temp) ? statSync(temp).size : 0;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
    });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(`could not download ${name} from ${url}: ${cause}`);
  }
  if (response.status === 416 && have > 0) {
    // The partial file is already complete (or longer than the file): start over rather than guess.
    rmSync(temp, { force: true });
    await response.body?.cancel();
    return download(url, temp, name, options, progress);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new Error(`could not download ${name}: HTTP ${response.status} ${response.statusText} from ${url}`);
  }
  const resuming = response.status === 206 && have > 0 && (response.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`);
  if (!response.body) throw new Error(`could not download ${name}: empty response from ${url}`);
  const handle = await open(temp, resuming ? 'a' : 'w');
  let received = resuming ? have : 0;
  try {
    const out = handle.createWriteStream();
    const counted = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    counted.on('data', (chunk: Buffer) => { received += chunk.length; progress(received); });
    await pipeline(counted, out);
  } catch (error) {
    throw new Error(`download of ${name} from ${url} broke off after ${received} bytes (run again to resume): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Copies `member` out of a Debian package: ar archive → data.tar.* → the file (tar and, for .xz, xz must be installed). */
export async function extractDebMember(deb: string, member: string, out: string): Promise<void> {
  const bytes = readFileSync(deb);
  if (bytes.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw new Error(`${path.basename(deb)} is not a Debian package (no ar header)`);
  let at = 8;
  while (at + 60 <= bytes.length) {
    const name = bytes.subarray(at, at + 16).toString('latin1').trim().replace(/\/$/, '');
    const size = Number.parseInt(bytes.subarray(at + 48, at + 58).toString('latin1').trim(), 10);
    const body = bytes.subarray(at + 60, at + 60 + size);
    if (name.startsWith('data.tar')) {
      const tarFile = `${out}.${name}`;
      await pipeline(Readable.from([body]), createWriteStream(tarFile));
      try {
        await extractTarMember(tarFile, `./${member}`, out);
      } finally {
        rmSync(tarFile, { force: true });
      }
      return;
    }
    at += 60 + size + (size % 2); // members are 2-byte aligned
  }
  throw new Error(`${path.basename(deb)} has no data.tar member`);
}

function extractTarMember(tarFile: string, member: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // GNU tar recognises gzip, xz and zstd by their magic bytes when reading a file.
    const tar = spawn('tar', ['-x', '-O', '-f', tarFile, member], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const write = pipeline(tar.stdout, createWriteStream(out));
    tar.on('error', (error) => reject(new Error(`could not run tar to unpack ${path.basename(tarFile)}: ${error.message}`)));
    tar.on('close', (code) => {
      write.then(() => {
        if (code === 0) resolve();
        else { rmSync(out, { force: true }); reject(new Error(`tar could not extract ${member} from ${path.basename(tarFile)}: ${stderr.trim() || `exit ${code}`}`)); }
      }, reject);
    });
  });
}
