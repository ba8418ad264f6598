import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { noOrphans, openReadonly, orphanCounts, repoRoot, runIngest, tempDataDir } from './helpers';

// `lockstep docs list|rm --json` over a library filled by `lockstep ingest`.

const data = tempDataDir('lockstep-ingest-docs-');
afterAll(() => data.cleanup());

const docs = (...args: string[]) => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/lockstep.mjs'), 'docs', ...args, '--json', '--data-dir', path.join(data.dir, 'data')], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LOCKSTEP_LOG: 'silent' },
  });
  return { code: run.status, json: JSON.parse(run.stdout) as Record<string, unknown> };
};

describe('lockstep docs', () => {
  it('lists documents with status and removes them by id or path', () => {
    const files = ['alpha.txt', 'beta.md'].map((name, i) => {
      const file = path.join(data.dir, name);
      writeFileSync(file, `Document ${i} about ${name}.\n`);
      return file;
    });
    const ingested = runIngest(path.join(data.dir, 'data'), [...files, path.join(data.dir, 'missing.pdf'), '--workspace', 'Research']);
    expect(ingested.missing).toEqual([path.join(data.dir, 'missing.pdf')]);

    const listed = docs('list', '--workspace', 'Research');
    expect(listed.code).toBe(0);
    expect((listed.json.documents as { path: string; status: string; workspaceId: number }[]).map((d) => [d.path, d.status, d.workspaceId])).toEqual([
      [files[0], 'indexed', 2],
      [files[1], 'indexed', 2],
    ]);

    expect(docs('rm', String(ingested.files[0].documentId), files[1]).json).toEqual({ removed: 2, documentIds: ingested.files.map((f) => f.documentId) });
    expect(docs('list').json).toEqual({ documents: [] });
    expect(docs('rm', '999')).toMatchObject({ code: 1, json: { error: { code: 'not_found' } } });
    const db = openReadonly(path.join(data.dir, 'data'));
    expect(orphanCounts(db)).toEqual(noOrphans);
    db.close();
  }, 60_000);
});
