import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addLibraryFolder } from '../../../src/main/access/library-folders';
import { FolderWatcher, isTemporaryFile, isUnwatchedEntry, type FolderChanges } from '../../../src/main/ingest/folder-watch';
import { IngestQueue } from '../../../src/main/ingest/queue';
import { openStore, type Db } from '../../../src/main/store/db';
import { tempDataDir } from './helpers';

// A real temporary folder, registered as a library folder and watched: creating, editing, renaming and deleting files
// there is followed by the library without a click, and changes made while Lockstep was closed are caught at start.

const data = tempDataDir('lockstep-watch-data-');
const docs = tempDataDir('lockstep-watch-docs-');
const outside = tempDataDir('lockstep-watch-outside-');
let db: Db | undefined;
let queue: IngestQueue | undefined;
let watcher: FolderWatcher | undefined;
afterEach(async () => {
  await watcher?.close();
  await queue?.close();
  db?.close();
  [watcher, queue, db] = [undefined, undefined, undefined];
  data.cleanup();
  docs.cleanup();
  outside.cleanup();
});

/** Every scan's changes, and a wait for the moment the accumulated changes satisfy a condition (no sleeps). */
function scanLog() {
  const seen: FolderChanges = { added: [], changed: [], moved: [], removed: [] };
  const waiters: { test: () => boolean; resolve: () => void }[] = [];
  const onScanned = (_folder: string, changes: FolderChanges) => {
    seen.added.push(...changes.added);
    seen.changed.push(...changes.changed);
    seen.moved.push(...changes.moved);
    seen.removed.push(...changes.removed);
    for (const waiter of waiters.filter((w) => w.test())) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const until = (test: () => boolean) => (test() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve })));
  return { seen, onScanned, until };
}

const documents = () => db!.prepare('SELECT id, path, title, status FROM documents ORDER BY id').all() as { id: number; path: string; title: string; status: string }[];
const chunkText = (id: number) => (db!.prepare("SELECT group_concat(text, ' ') AS text FROM chunks WHERE document_id = ?").get(id) as { text: string | null }).text ?? '';

describe('watched library folders', () => {
  it('follow creates, edits, renames and deletes, and catch up at start with changes made while closed', async () => {
    process.env.LOCKSTEP_LOG = 'silent';
    const store = (db = openStore(data.dir));
    const ingest = (queue = new IngestQueue({ db: store, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => [] }));
    const folder = (await addLibraryFolder(store, data.dir, docs.dir)).path;
    const file = (name: string) => path.join(folder, name);
    mkdirSync(file('notes'));
    writeFileSync(file('alpha.txt'), 'Alpha notes about tidal harbours.\n');
    writeFileSync(file('notes/beta.md'), '# Beta\n\nBeta describes copper lanterns.\n');
    writeFileSync(file('.hidden.txt'), 'Hidden files are not documents.\n');
    writeFileSync(file('draft.txt.swp'), 'Editor scratch file.\n');
    writeFileSync(file('.lockstepignore'), '# work in progress\ndrafts/\n');
    mkdirSync(file('drafts'));
    writeFileSync(file('drafts/wip.txt'), 'Ignored by the .lockstepignore.\n');
    // A link leading out of the library folders is not followed by the watcher.
    writeFileSync(path.join(outside.dir, 'secret.txt'), 'Outside the library folders.\n');
    symlinkSync(path.join(outside.dir, 'secret.txt'), file('link.txt'));

    let log = scanLog();
    watcher = new FolderWatcher({ db: store, dataDir: data.dir }, ingest, { debounceMs: 100, onScanned: (f, c) => log.onScanned(f, c) });
    await watcher.sync();
    await ingest.whenIdle();
    expect(documents().map((d) => [path.relative(folder, d.path), d.status])).toEqual([['alpha.txt', 'indexed'], ['notes/beta.md', 'indexed']]);
    const [alpha, beta] = documents();

    // Create.
    writeFileSync(file('gamma.txt'), 'Gamma lists brass fittings.\n');
    await log.until(() => log.seen.added.includes(file('gamma.txt')));
    await ingest.whenIdle();
    const gamma = documents().find((d) => d.path === file('gamma.txt'))!;
    expect(gamma.status).toBe('indexed');

    // Edit: re-indexed in place (same document), with the new text.
    writeFileSync(file('alpha.txt'), 'Alpha now covers lighthouse keepers instead.\n');
    await log.until(() => log.seen.changed.includes(file('alpha.txt')));
    await ingest.whenIdle();
    expect(chunkText(alpha!.id)).toContain('lighthouse keepers');
    expect(chunkText(alpha!.id)).not.toContain('tidal');

    // Rename: the document follows the file; its chunks are kept, not re-made.
    const betaChunks = store.prepare('SELECT id FROM chunks WHERE document_id = ? ORDER BY id').all(beta!.id);
    renameSync(file('notes/beta.md'), file('notes/beta-renamed.md'));
    await log.until(() => log.seen.moved.some((m) => m.to === file('notes/beta-renamed.md')));
    await ingest.whenIdle();
    expect(documents().find((d) => d.id === beta!.id)).toMatchObject({ path: file('notes/beta-renamed.md'), title: 'Beta', status: 'indexed' });
    expect(store.prepare('SELECT id FROM chunks WHERE document_id = ? ORDER BY id').all(beta!.id)).toEqual(betaChunks);
    // Routing by file name follows the new name.
    expect(store.prepare("SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'name:renamed'").all()).toEqual([{ rowid: beta!.id }]);

    // Delete.
    unlinkSync(file('gamma.txt'));
    await log.until(() => log.seen.removed.includes(file('gamma.txt')));
    expect(documents().some((d) => d.id === gamma.id)).toBe(false);
    expect(store.prepare('SELECT COUNT(*) AS n FROM chunks WHERE document_id = ?').get(gamma.id)).toEqual({ n: 0 });

    // Closed: changes made meanwhile are found by the scan at the next start.
    await watcher.close();
    writeFileSync(file('delta.txt'), 'Delta arrived while Lockstep was closed.\n');
    rmSync(file('alpha.txt'));
    log = scanLog();
    watcher = new FolderWatcher({ db: store, dataDir: data.dir }, ingest, { debounceMs: 100, onScanned: (f, c) => log.onScanned(f, c) });
    await watcher.sync();
    await ingest.whenIdle();
    expect(log.seen.added).toContain(file('delta.txt'));
    expect(log.seen.removed).toContain(file('alpha.txt'));
    expect(documents().map((d) => [path.relative(folder, d.path), d.status])).toEqual([['notes/beta-renamed.md', 'indexed'], ['delta.txt', 'indexed']]);
  }, 120_000);

  it('turns a burst of file events into one scan after a quiet moment', async () => {
    process.env.LOCKSTEP_LOG = 'silent';
    // The folders are made once per file and removed after each test.
    for (const dir of [data.dir, docs.dir]) mkdirSync(dir, { recursive: true });
    const store = (db = openStore(data.dir));
    const ingest = (queue = new IngestQueue({ db: store, chunkTokens: () => 256, tokenizerFolder: async () => null, ocrLanguages: () => [] }));
    const folder = (await addLibraryFolder(store, data.dir, docs.dir)).path;
    const scans: FolderChanges[] = [];
    const log = scanLog();
    watcher = new FolderWatcher({ db: store, dataDir: data.dir }, ingest, { debounceMs: 300, onScanned: (f, c) => (scans.push(c), log.onScanned(f, c)) });
    await watcher.sync();
    expect(scans).toHaveLength(1); // the start-up scan of the empty folder
    writeFileSync(path.join(folder, '.partial.txt'), 'hidden');
    writeFileSync(path.join(folder, 'download.crdownload'), 'scratch');
    for (let i = 0; i < 12; i++) writeFileSync(path.join(folder, `burst-${i}.txt`), `Burst file ${i} about river gauges.\n`);
    await log.until(() => log.seen.added.length === 12);
    expect(scans).toHaveLength(2);
    await ingest.whenIdle();
    expect(documents()).toHaveLength(12);
  }, 60_000);

  it('makes no scan for events on hidden entries or scratch files, nor for the folder itself', () => {
    const folder = path.join(docs.dir, 'Reports');
    for (const entry of ['.git/index', '.hidden.txt', 'sub/.cache/x.pdf', 'q3.pdf.crdownload', '~$memo.docx']) expect([entry, isUnwatchedEntry(folder, path.join(folder, entry))]).toEqual([entry, true]);
    for (const entry of ['q3.pdf', 'sub/notes.md']) expect([entry, isUnwatchedEntry(folder, path.join(folder, entry))]).toEqual([entry, false]);
    // A library folder that is itself under a hidden folder is still watched.
    expect(isUnwatchedEntry(path.join(docs.dir, '.local', 'docs'), path.join(docs.dir, '.local', 'docs'))).toBe(false);
    expect(isUnwatchedEntry(path.join(docs.dir, '.local', 'docs'), path.join(docs.dir, '.local', 'docs', 'a.pdf'))).toBe(false);
  });

  it('skips editors’ and downloaders’ temporary files', () => {
    for (const name of ['~$report.docx', 'report.docx~', 'a.tmp', 'b.swp', 'movie.part', 'x.crdownload']) expect([name, isTemporaryFile(name)]).toEqual([name, true]);
    for (const name of ['report.docx', 'tmp-notes.md', 'partial.pdf']) expect([name, isTemporaryFile(name)]).toEqual([name, false]);
  });
});
