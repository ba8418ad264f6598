import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINILM_TOKENIZER_DIR } from '../../fixtures/tokenizers';
import { checksumFromHub, expectedChecksum, gitBlobSha1, sha256OfFile } from '../../../src/main/models/verify';

const tokenizers = MINILM_TOKENIZER_DIR;
const sha256 = 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1';

describe('checksums', () => {
  it('takes the sha256 from X-Linked-ETag first, then a 64-hex ETag, then a git sha1 ETag', () => {
    expect(checksumFromHub([{ 'x-linked-etag': `"${sha256}"`, etag: '"abc"' }, { etag: '"0123456789012345678901234567890123456789"' }])).toEqual({ kind: 'sha256', value: sha256, source: 'hub' });
    expect(checksumFromHub([{ location: '/cdn' }, { etag: `W/"${sha256.toUpperCase()}"` }])).toEqual({ kind: 'sha256', value: sha256, source: 'hub' });
    expect(checksumFromHub([{ etag: '"37fca74771bc76a8e01178ce3a6055a0995f8093"' }])).toEqual({ kind: 'git-sha1', value: '37fca74771bc76a8e01178ce3a6055a0995f8093', source: 'hub' });
    expect(checksumFromHub([{ etag: '"v1-1234"' }])).toBeNull();
  });

  it('prefers the catalog pin over anything the server says', () => {
    const hub = { kind: 'sha256' as const, value: 'f'.repeat(64), source: 'hub' as const };
    expect(expectedChecksum(sha256.toUpperCase(), hub)).toEqual({ kind: 'sha256', value: sha256, source: 'catalog' });
    expect(expectedChecksum(null, hub)).toBe(hub);
  });

  it('computes the git blob id the hub reports for small files (matches `git hash-object`)', async () => {
    const file = path.join(tokenizers, 'tokenizer_config.json');
    expect(await gitBlobSha1(file, 366)).toBe('37fca74771bc76a8e01178ce3a6055a0995f8093');
    // The catalog's pin for the same file.
    expect(await sha256OfFile(file)).toBe('9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3');
  });
});
