import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { hubFileUrl, type CatalogEntry } from './catalog';
import { ensureFreeSpace, fileSize } from './disk';
import { discardPartial, downloadFile, partialPath } from './download';
import type { HttpOptions } from './http';
import { readManifest, writeManifest, type ModelManifest } from './manifest';
import { SpeedMeter, throttle, type DownloadProgress } from './progress';

// Pulling a catalog model: every file downloads (resumably) into <models>/.downloads/<id>/, and only when all of them
// are verified does that folder, with its manifest, move into place with one rename.

export interface PullOptions {
  modelsDir: string;
  /** Hub base URL; HF_ENDPOINT (a mirror) or https://huggingface.co by default. */
  hubBase?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  http?: HttpOptions;
  retryDelayMs?: number;
}

export interface PulledModel extends ModelManifest {
  /** The model's folder. */
  dir: string;
}

export const installDir = (modelsDir: string, id: string) => path.join(modelsDir, ...id.split('/'));
export const stagingDir = (modelsDir: string, id: string) => path.join(modelsDir, '.downloads', id.replaceAll('/', '--'));
const STATE_FILE = '.pull-state.json';
const LOCK_FILE = '.lock';

type PullState = Record<string, { size: number; sha256: string }>;

export async function pullModel(entry: CatalogEntry, options: PullOptions): Promise<PulledModel> {
  const finalDir = installDir(options.modelsDir, entry.id);
  const installed = await readManifest(finalDir);
  if (installed) return { ...installed, dir: finalDir };

  const staging = stagingDir(options.modelsDir, entry.id);
  await mkdir(staging, { recursive: true });
  const releaseLock = await acquireLock(staging, entry.id);
  try {
    const state = await readState(staging);
    const done = (file: string) => state[file] !== undefined;
    const onDisk = await Promise.all(entry.files.map(async (f) => (done(f.path) ? state[f.path].size : await fileSize(partialPath(path.join(staging, f.path))))));
    await ensureFreeSpace(staging, entry.downloadBytes - onDisk.reduce((a, b) => a + b, 0), entry.name);

    const knownTotals = entry.files.map((f) => f.size ?? (done(f.path) ? state[f.path].size : null));
    const fileBytes = [...onDisk];
    const meter = new SpeedMeter();
    const report = throttle((progress: DownloadProgress) => options.onProgress?.(progress));
    const progress = (index: number, phase: DownloadProgress['phase']): DownloadProgress => {
      const bytesDone = fileBytes.reduce((a, b) => a + b, 0);
      const bytesTotal = knownTotals.every((t) => t !== null) ? knownTotals.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
      return {
        modelId: entry.id,
        file: entry.files[index].path,
        fileIndex: index,
        fileCount: entry.files.length,
        bytesDone,
        bytesTotal,
        bytesPerSecond: meter.bytesPerSecond(),
        etaSeconds: meter.etaSeconds(bytesDone, bytesTotal),
        phase,
      };
    };
    meter.record(fileBytes.reduce((a, b) => a + b, 0));

    const hubBase = options.hubBase ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co';
    for (const [index, file] of entry.files.entries()) {
      if (done(file.path)) continue;
      const downloaded = await downloadFile({
        url: hubFileUrl(entry, file.path, hubBase.replace(/\/+$/, '')),
        target: path.join(staging, file.path),
        label: path.basename(file.path),
        expectedSize: file.size,
        expectedSha256: file.sha256,
        signal: options.signal,
        http: options.http,
        retryDelayMs: options.retryDelayMs,
        onBytes: (received, total) => {
          fileBytes[index] = received;
          knownTotals[index] ??= total;
          meter.record(fileBytes.reduce((a, b) => a + b, 0));
          report(progress(index, 'downloading'));
        },
        onVerifying: () => report(progress(index, 'verifying'), true),
      });
      state[file.path] = { size: downloaded.size, sha256: downloaded.sha256 };
      await writeState(staging, state);
    }

    const lastIndex = entry.files.length - 1;
    report(progress(lastIndex, 'installing'), true);
    const manifest = catalogManifest(entry, state, hubBase);
    await writeManifest(staging, manifest);
    await rm(path.join(staging, STATE_FILE), { force: true });
    await releaseLock();
    // A leftover folder without a valid manifest is an older, incomplete install: replace it.
    await rm(finalDir, { recursive: true, force: true });
    await mkdir(path.dirname(finalDir), { recursive: true });
    await rename(staging, finalDir);
    report(progress(lastIndex, 'done'), true);
    return { ...manifest, dir: finalDir };
  } finally {
    await releaseLock();
  }
}

/** Deletes a model's unfinished download (partial files included). */
export async function discardDownload(modelsDir: string, entry: CatalogEntry): Promise<void> {
  const staging = stagingDir(modelsDir, entry.id);
  for (const file of entry.files) await discardPartial(path.join(staging, file.path));
  await rm(staging, { recursive: true, force: true });
}

function catalogManifest(entry: CatalogEntry, state: PullState, hubBase: string): ModelManifest {
  const files = entry.files.map((f) => ({ path: f.path, size: state[f.path].size, sha256: state[f.path].sha256 }));
  return manifestForCatalogEntry(entry, files, `${hubBase}/${entry.repo}/tree/${entry.revision}`, new Date().toISOString());
}

/** The manifest of a catalog model, whether Lockstep downloaded it or found it laid out in a shared folder. */
export function manifestForCatalogEntry(entry: CatalogEntry, files: ModelManifest['files'], origin: string, installedAt: string): ModelManifest {
  return {
    schema: 1,
    id: entry.id,
    kind: entry.kind,
    format: entry.kind === 'chat' ? 'gguf' : 'transformers-js',
    name: entry.name,
    source: 'catalog',
    entry: entry.kind === 'chat' ? entry.files[0].path : '.',
    files,
    architecture: entry.kind === 'chat' ? entry.architecture : null,
    licence: entry.licence,
    origin,
    linked: false,
    installedAt,
  };
}

/** One pull per model at a time, across processes (the app and the CLI may both try). */
async function acquireLock(staging: string, id: string): Promise<() => Promise<void>> {
  const lock = path.join(staging, LOCK_FILE);
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(await readFile(lock, 'utf8').catch(() => '0'));
    if (holder === process.pid || (holder > 0 && isAlive(holder))) {
      throw new AppError('pull_in_progress', `${id} is already being downloaded. Wait for that download to finish or cancel it.`);
    }
    await writeFile(lock, String(process.pid));
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(lock, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readState(staging: string): Promise<PullState> {
  try {
    const state = JSON.parse(await readFile(path.join(staging, STATE_FILE), 'utf8')) as PullState;
    // A file listed as done must still be on disk with its recorded size.
    for (const [file, record] of Object.entries(state)) {
      if ((await fileSize(path.join(staging, file))) !== record.size) delete state[file];
    }
    return state;
  } catch {
    return {};
  }
}

const writeState = (staging: string, state: PullState) => writeFile(path.join(staging, STATE_FILE), JSON.stringify(state));
