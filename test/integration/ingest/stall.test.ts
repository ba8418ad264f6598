import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { openStore, type Db } from '../../../src/main/store/db';
import { noOrphans, orphanCounts, tempDataDir } from './helpers';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';

// A parser that reports no progress within the stall timeout is stopped and the file fails with parse_stalled;
// the queue goes on with the next file. (Worker start-up alone exceeds a 1 ms timeout, which makes the stall certain.)

const data = tempDataDir('lockstep-ingest-stall-');
let db: Db;
let queue: IngestQueue;
afterEach(async () => {
  await queue.close();
  db.close();
  data.cleanup();
});

describe('stalled parsers', () => {
  it('fail the file with a specific reason instead of blocking the queue', async () => {
    process.env.LOCKSTEP_LOG = 'silent';
    db = openStore(data.dir);
    queue = new IngestQueue({ db, chunkTokens: () => 256, tokenizerFolder: async () => null, stallTimeoutMs: 1 });
    const files = [path.join(data.dir, 'paper.pdf'), path.join(data.dir, 'notes.txt')];
    writeFileSync(files[0]!, generateTextPdf(3));
    writeFileSync(files[1]!, 'Plain notes that never get parsed in time.\n');
    const { added } = await queue.addPaths(files);
    await queue.whenIdle();
    for (const file of added) {
      expect(queue.document(file.documentId)).toMatchObject({ status: 'failed', errorCode: 'parse_stalled', chunkCount: 0 });
      expect(queue.document(file.documentId).errorMessage).toContain('made no progress');
    }
    expect(orphanCounts(db)).toEqual(noOrphans);
  });
});
