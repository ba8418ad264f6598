import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../../shared/errors';
import { ensureFreeSpace, fileSize } from './disk';
import { headerValue, httpGet, type HttpOptions } from './http';
import { checksumFromHub, expectedChecksum, feedHash, gitBlobSha1, sha256OfFile, type Checksum } from './verify';

// One file, downloaded resumably: bytes accumulate in "<target>.partial" next to a small JSON note of where they came
// from; after an interruption the transfer continues with an HTTP Range request (If-Range guards against a changed
// file); the sha256 covers the resumed prefix too; only a verified file is renamed to its target.

export interface FileDownload {
  url: string;
  /** Where the verified file ends up. */
  target: string;
  /** Shown in messages, e.g. "qwen2.5-0.5b-instruct-q8_0.gguf". */
  label: string;
  expectedSize: number | null;
  expectedSha256: string | null;
  signal?: AbortSignal;
  /** This file's byte count so far (resumed bytes included) and its total when known. */
  onBytes?: (received: number, total: number | null) => void;
  onVerifying?: () => void;
  http?: HttpOptions;
  /** Attempts that make no progress before giving up; attempts that add bytes do not count. */
  maxStalledAttempts?: number;
  retryDelayMs?: number;
}

export interface DownloadedFile {
  path: string;
  size: number;
  sha256: string;
  verifiedBy: Checksum;
}

interface PartialNote {
  url: string;
  /** The server's ETag or Last-Modified, sent back as If-Range when resuming. */
  validator: string | null;
  total: number | null;
  hubChecksum: Checksum | null;
}

interface Transferred {
  size: number;
  sha256: string;
  hubChecksum: Checksum | null;
}

export const partialPath = (target: string) => `${target}.partial`;

// The name could not be resolved or the network is down: retrying will not help until the connection is back.
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH']);

/** A plain sentence for "this machine is offline" instead of getaddrinfo ENOTFOUND; null for other failures. */
export function offlineError(job: Pick<FileDownload, 'url'>, error: unknown): AppError | null {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code && OFFLINE_CODES.has(code)) {
      const host = new URL(job.url).hostname;
      const server = /(^|\.)(huggingface\.co|hf\.co)$/.test(host) ? 'Hugging Face' : host;
      return new AppError('download_offline', `No internet connection — ${server} could not be reached. Check your connection and pull again: it resumes where it stopped.`, error);
    }
  }
  return null;
}
const notePath = (target: string) => `${target}.partial.json`;

export async function downloadFile(job: FileDownload): Promise<DownloadedFile> {
  await mkdir(path.dirname(job.target), { recursive: true });
  let stalledAttempts = 0;
  for (;;) {
    const before = await fileSize(partialPath(job.target));
    try {
      return await verifyAndPlace(job, await transferOnce(job));
    } catch (error) {
      if (job.signal?.aborted) throw cancelled(job, error);
      if (error instanceof AppError) throw error;
      const offline = offlineError(job, error);
      if (offline) throw offline;
      const after = await fileSize(partialPath(job.target));
      if (after <= before) stalledAttempts++;
      if (stalledAttempts >= (job.maxStalledAttempts ?? 5)) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new AppError('download_interrupted', `The download of ${job.label} keeps failing (${reason}). Check your connection and pull again: it resumes where it stopped.`, error);
      }
      try {
        await delay(job.retryDelayMs ?? 1_000, undefined, { signal: job.signal });
      } catch (abort) {
        throw cancelled(job, abort);
      }
    }
  }
}

async function transferOnce(job: FileDownload): Promise<Transferred> {
  const partial = partialPath(job.target);
  let note = await readNote(job.target);
  let offset = await fileSize(partial);
  if (offset > 0 && (!note || note.url !== job.url || (job.expectedSize !== null && offset > job.expectedSize))) {
    await discardPartial(job.target);
    offset = 0;
    note = null;
  }
  // Every byte is already here (the previous run stopped while verifying): hash what is on disk.
  const knownTotal = job.expectedSize ?? note?.total ?? null;
  if (offset > 0 && offset === knownTotal) {
    job.onBytes?.(offset, knownTotal);
    return { size: offset, sha256: await sha256OfFile(partial), hubChecksum: note?.hubChecksum ?? null };
  }

  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (note?.validator && !note.validator.startsWith('W/')) headers['if-range'] = note.validator;
  }
  const response = await httpGet(job.url, headers, job.signal, job.http);
  let append = false;
  let total: number | null;
  if (response.status === 206 && offset > 0) {
    const range = parseContentRange(headerValue(response.headers, 'content-range'));
    if (!range || range.start !== offset) {
      response.body.destroy();
      await discardPartial(job.target);
      throw new Error(`the server resumed at the wrong position`);
    }
    append = true;
    total = range.total;
  } else if (response.status === 200) {
    // A 200 answer to a Range request means the server (or the file) changed: start over from byte 0.
    const length = headerValue(response.headers, 'content-length');
    total = length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
  } else if (response.status === 416 && offset > 0) {
    response.body.destroy();
    await discardPartial(job.target);
    throw new Error('the server could not resume this file');
  } else {
    response.body.destroy();
    // Overloaded or restarting servers answer 5xx for a moment: worth another attempt, unlike 4xx.
    if ([500, 502, 503, 504].includes(response.status)) throw new Error(`the server answered HTTP ${response.status}`);
    throw httpFailure(job, response.status);
  }

  if (job.expectedSize !== null && total !== null && total !== job.expectedSize) {
    response.body.destroy();
    await discardPartial(job.target);
    throw new AppError(
      'download_size_mismatch',
      `The server offered ${job.label} with ${total} bytes, but Lockstep expects ${job.expectedSize}. Nothing was installed; the file may have changed upstream.`,
    );
  }
  const startAt = append ? offset : 0;
  const hubChecksum = checksumFromHub(response.hops) ?? note?.hubChecksum ?? null;
  try {
    await ensureFreeSpace(path.dirname(partial), (total ?? job.expectedSize ?? 0) - startAt, job.label);
  } catch (error) {
    response.body.destroy();
    throw error;
  }
  const validator = headerValue(response.headers, 'etag') ?? headerValue(response.headers, 'last-modified') ?? null;
  await writeNote(job.target, { url: job.url, validator, total, hubChecksum });

  const hash = createHash('sha256');
  if (append) await feedHash(hash, partial, offset);
  let received = startAt;
  job.onBytes?.(received, total);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      job.onBytes?.(received, total);
      done(null, chunk);
    },
  });
  const file = createWriteStream(partial, { flags: append ? 'a' : 'w' });
  try {
    await pipeline(response.body, meter, file, { signal: job.signal });
  } finally {
    // The next attempt measures the partial file, so every write must have reached it.
    if (!file.closed) await once(file, 'close');
  }
  if (total !== null && received !== total) throw new Error(`the connection closed after ${received} of ${total} bytes`);
  return { size: received, sha256: hash.digest('hex'), hubChecksum };
}

async function verifyAndPlace(job: FileDownload, transferred: Transferred): Promise<DownloadedFile> {
  const partial = partialPath(job.target);
  job.onVerifying?.();
  const expected = expectedChecksum(job.expectedSha256, transferred.hubChecksum);
  if (!expected) {
    await discardPartial(job.target);
    throw new AppError('download_unverifiable', `${job.label} arrived without any checksum to verify it against, so it was not installed. Try again later.`);
  }
  const actual = expected.kind === 'sha256' ? transferred.sha256 : await gitBlobSha1(partial, transferred.size);
  if (actual !== expected.value || (job.expectedSize !== null && transferred.size !== job.expectedSize)) {
    await discardPartial(job.target);
    const source = expected.source === 'catalog' ? "Lockstep's catalog" : 'the server';
    throw new AppError(
      'checksum_mismatch',
      `${job.label} failed verification: its ${expected.kind} is ${actual} but ${source} says ${expected.value}. The damaged download was deleted and nothing was installed; pull again to retry.`,
    );
  }
  await rename(partial, job.target);
  await rm(notePath(job.target), { force: true });
  return { path: job.target, size: transferred.size, sha256: transferred.sha256, verifiedBy: expected };
}

function parseContentRange(value: string | undefined): { start: number; total: number | null } | null {
  const match = value && /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

function httpFailure(job: FileDownload, status: number): AppError {
  if (status === 404) return new AppError('download_not_found', `${job.label} is not on the server any more (HTTP 404). Update Lockstep to get the current catalog.`);
  if (status === 401 || status === 403) {
    return new AppError('download_forbidden', `The server refused ${job.label} (HTTP ${status}). The model may require accepting its licence on huggingface.co first.`);
  }
  if (status === 429) return new AppError('download_rate_limited', `The server is rate-limiting downloads (HTTP 429). Wait a few minutes and pull again.`);
  return new AppError('download_failed', `The server answered HTTP ${status} for ${job.label}. Try again later.`);
}

function cancelled(job: FileDownload, cause: unknown): AppError {
  return new AppError('cancelled', `The download of ${job.label} was cancelled. Pull it again to resume where it stopped.`, cause);
}

async function readNote(target: string): Promise<PartialNote | null> {
  try {
    return JSON.parse(await readFile(notePath(target), 'utf8')) as PartialNote;
  } catch {
    return null;
  }
}

const writeNote = (target: string, note: PartialNote) => writeFile(notePath(target), JSON.stringify(note));

export async function discardPartial(target: string): Promise<void> {
  await rm(partialPath(target), { force: true });
  await rm(notePath(target), { force: true });
}
