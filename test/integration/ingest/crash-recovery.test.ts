import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyCorpusDocs, corpusDocs, noOrphans, openReadonly, orphanCounts, runIngest, spawnIngest, tempDataDir } from './helpers';
import { describeWithCorpus } from '../../support/corpus';

// kill -9 in the middle of a multi-file ingest, then run it again: every document indexed exactly once, no orphan rows.

// Nine real documents in three folders: big enough that a kill lands mid-run.
const folders = ['pdf', 'office', 'ebook'];
const documents = corpusDocs.filter((file) => folders.some((folder) => file.startsWith(`corpus/docs/${folder}/`)));
let data: ReturnType<typeof tempDataDir>;
let docs: ReturnType<typeof tempDataDir>;
let inputs: string[];

const indexedCount = (): number => {
  try {
    const db = openReadonly(data.dir);
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM documents WHERE status = 'indexed'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the database does not exist yet
  }
};

describeWithCorpus(documents, 'crash safety of the ingest queue', () => {
  // Made inside the block, so a skipped block leaves no folder behind.
  beforeAll(() => {
    data = tempDataDir('lockstep-ingest-kill-');
    docs = copyCorpusDocs(documents, 'lockstep-ingest-kill-docs-');
    inputs = folders.map((folder) => path.join(docs.dir, folder));
  });
  afterAll(() => {
    data?.cleanup();
    docs?.cleanup();
  });

  it('resumes after SIGKILL with every document indexed once and no orphan rows', async () => {
    const child = spawnIngest(data.dir, inputs);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill as soon as the first file is committed: the rest are queued or mid-parse.
    let indexedAtKill = 0;
    while (child.exitCode === null) {
      indexedAtKill = indexedCount();
      if (indexedAtKill >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const db = openReadonly(data.dir);
    const atKill = db.prepare('SELECT status, COUNT(*) AS n FROM documents GROUP BY status').all() as { status: string; n: number }[];
    db.close();
    const total = atKill.reduce((sum, r) => sum + r.n, 0);
    expect(total).toBe(9); // every file was hashed and queued before parsing began
    expect(atKill.find((r) => r.status === 'indexed')!.n).toBeLessThan(total); // the kill really interrupted the run

    const rerun = runIngest(data.dir, inputs);
    expect(rerun.files).toHaveLength(9);
    expect(rerun.files.every((f) => f.status === 'indexed')).toBe(true);

    const after = openReadonly(data.dir);
    try {
      expect(orphanCounts(after)).toEqual(noOrphans);
      const perPath = after.prepare('SELECT path, COUNT(*) AS n FROM documents GROUP BY path HAVING n > 1').all();
      expect(perPath).toEqual([]);
      expect((after.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n).toBe(9);
      const duplicateOrdinals = after.prepare('SELECT document_id, ordinal FROM chunks GROUP BY document_id, ordinal HAVING COUNT(*) > 1').all();
      expect(duplicateOrdinals).toEqual([]);
    } finally {
      after.close();
    }
  }, 120_000);
});
