import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParserWorker } from '../../../src/main/ingest/parser-client';
import { repoRoot } from './helpers';

// Any Markdown file will do: the repo's own.
const file = path.join(repoRoot, 'DEVELOPERS.md');

/** A tokenizer lookup the test releases by hand, to land stop() and close() while parse() is still preparing. */
function heldLookup() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { lookup: () => gate.then(() => null), release };
}

describe('parser worker stop and close', () => {
  it('a stop while the worker is being prepared cancels the parse, and the next parse still works', async () => {
    const { lookup, release } = heldLookup();
    const parser = new ParserWorker(lookup, 60_000);
    const parsing = parser.parse({ filePath: file, chunkTokens: 256 }, () => {});
    parser.stop();
    release();
    await expect(parsing).rejects.toMatchObject({ code: 'cancelled' });
    const result = await parser.parse({ filePath: file, chunkTokens: 256 }, () => {});
    expect(result.status).toBe('indexed');
    await parser.close();
  });

  it('a close while the worker is being prepared starts no worker', async () => {
    const { lookup, release } = heldLookup();
    const parser = new ParserWorker(lookup, 60_000);
    const parsing = parser.parse({ filePath: file, chunkTokens: 256 }, () => {});
    const closing = parser.close();
    release();
    await expect(parsing).rejects.toMatchObject({ code: 'cancelled' });
    await closing;
    expect((parser as unknown as { worker: unknown }).worker).toBeNull();
  });
});
