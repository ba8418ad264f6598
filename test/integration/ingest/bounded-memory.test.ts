import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParserWorker } from '../../../src/main/ingest/parser-client';
import { makeDocx, makeExpandingDocx } from '../../fixtures/ingest/generated-documents';
import { tempDataDir } from './helpers';

// The parser worker's memory is bounded: oversized parts are refused with their sizes before inflating, a directory
// that lies about sizes is damage (inflating stops at the declared size), and a worker that runs out of heap says so.

const data = tempDataDir('lockstep-memory-');
afterAll(() => data.cleanup());
process.env.LOCKSTEP_LOG = 'silent';

const MB = 2 ** 20;
const small = path.join(data.dir, 'small.docx');
writeFileSync(small, makeDocx(['Title', 'A short document that fits in any heap.']));

/** A reader whose worker has started (module loading is not the file's time). */
async function warmReader(memoryMb?: number): Promise<ParserWorker> {
  const parser = new ParserWorker(async () => null, 60_000, memoryMb);
  await expect(parser.parse({ filePath: small, chunkTokens: 256 }, () => undefined)).resolves.toMatchObject({ status: 'indexed' });
  return parser;
}

describe('bounded memory', () => {
  it('refuses a 2.5 MB DOCX that expands to 400 MB of XML within 10 s, with the sizes, and stays under 1 GB', async () => {
    const file = path.join(data.dir, 'expanding.docx');
    const bytes = makeExpandingDocx(400 * MB);
    expect(bytes.length).toBeGreaterThan(1.5 * MB);
    expect(bytes.length).toBeLessThan(4 * MB);
    writeFileSync(file, bytes);

    const parser = await warmReader();
    try {
      const started = Date.now();
      const result = await parser.parse({ filePath: file, chunkTokens: 256 }, () => undefined);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result).toMatchObject({ status: 'failed', problem: { code: 'too_large' } });
      const message = result.status === 'indexed' ? '' : result.problem.message;
      expect(message).toMatch(/is \d\.\d MB but its part word\/document\.xml expands to 400 MB; Lockstep reads parts of up to 64 MB/);
    } finally {
      await parser.close();
    }
    // maxRSS counts this process and its worker threads, in kilobytes.
    expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1024 * MB);
  });

  it('calls a directory that understates a part damage, and stops inflating at the declared size', async () => {
    const file = path.join(data.dir, 'lying.docx');
    writeFileSync(file, makeExpandingDocx(400 * MB, MB));
    const parser = await warmReader();
    try {
      const started = Date.now();
      const result = await parser.parse({ filePath: file, chunkTokens: 256 }, () => undefined);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result).toMatchObject({ status: 'failed', problem: { code: 'corrupt_archive', message: expect.stringContaining('word/document.xml') } });
    } finally {
      await parser.close();
    }
  });

  it('a reader that runs out of memory says so, and the next file is read by a fresh one', async () => {
    const big = path.join(data.dir, 'big.docx');
    // 40 MB of XML stays under the part cap but cannot be parsed in a 128 MB heap.
    writeFileSync(big, makeExpandingDocx(40 * MB));
    const parser = await warmReader(128);
    try {
      await expect(parser.parse({ filePath: big, chunkTokens: 256 }, () => undefined)).rejects.toMatchObject({
        code: 'out_of_memory',
        message: expect.stringContaining('more than the 128 MB of memory'),
      });
      await expect(parser.parse({ filePath: small, chunkTokens: 256 }, () => undefined)).resolves.toMatchObject({ status: 'indexed' });
    } finally {
      await parser.close();
    }
  });
});
