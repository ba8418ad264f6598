import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { headerValue } from './http';

// What a downloaded file is checked against, strongest first:
// 1. the sha256 pinned in the catalog;
// 2. the sha256 the hub publishes for LFS files: X-Linked-ETag on huggingface.co's redirect (or an ETag that is 64 hex);
// 3. the git blob sha1 the hub sends as ETag for small non-LFS files (sha1 of "blob <size>\0" + content).
export type Checksum = { kind: 'sha256'; value: string; source: 'catalog' | 'hub' } | { kind: 'git-sha1'; value: string; source: 'hub' };

const stripEtag = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
const isSha256 = (value: string) => /^[0-9a-f]{64}$/.test(value);
const isSha1 = (value: string) => /^[0-9a-f]{40}$/.test(value);

export function checksumFromHub(hops: IncomingHttpHeaders[]): Checksum | null {
  for (const headers of hops) {
    const linked = headerValue(headers, 'x-linked-etag');
    if (linked && isSha256(stripEtag(linked))) return { kind: 'sha256', value: stripEtag(linked), source: 'hub' };
  }
  for (const headers of hops) {
    const etag = headerValue(headers, 'etag');
    if (etag && isSha256(stripEtag(etag))) return { kind: 'sha256', value: stripEtag(etag), source: 'hub' };
  }
  for (const headers of hops) {
    const etag = headerValue(headers, 'etag');
    if (etag && isSha1(stripEtag(etag))) return { kind: 'git-sha1', value: stripEtag(etag), source: 'hub' };
  }
  return null;
}

export function expectedChecksum(pinnedSha256: string | null, hub: Checksum | null): Checksum | null {
  return pinnedSha256 ? { kind: 'sha256', value: pinnedSha256.toLowerCase(), source: 'catalog' } : hub;
}

export async function sha256OfFile(file: string, end?: number): Promise<string> {
  const hash = createHash('sha256');
  await feedHash(hash, file, end);
  return hash.digest('hex');
}

/** The git object id of a file's content, as the hub reports for files stored in git rather than LFS. */
export async function gitBlobSha1(file: string, size: number): Promise<string> {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  await feedHash(hash, file);
  return hash.digest('hex');
}

/** Streams a file (or its first `end` bytes) into a hash. */
export async function feedHash(hash: ReturnType<typeof createHash>, file: string, end?: number): Promise<void> {
  if (end === 0) return;
  const stream = createReadStream(file, end === undefined ? {} : { start: 0, end: end - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}
