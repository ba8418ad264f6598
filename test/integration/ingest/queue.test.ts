import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LibraryEvent } from '../../../src/shared/contract/library';
import { createHandlers } from '../../../src/main/handlers/index';
import { createServices, type Services } from '../../../src/main/services';
import { noOrphans, orphanCounts, tempDataDir } from './helpers';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// A real user-password PDF (password "password"), from the test corpus.
const PASSWORD_PDF = 'corpus/docs/encrypted/password.pdf';

// The queue in-process with its real worker thread: duplicates, changed files, removal, cancel, pause/resume, events.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-ingest-queue-');
  services = createServices({ dataDir: path.join(data.dir, 'data'), mode: 'test' });
});
afterEach(async () => {
  await services.close();
  data.cleanup();
});

const write = (name: string, text: string) => {
  const file = path.join(data.dir, name);
  writeFileSync(file, text);
  return file;
};
const count = (sql: string, ...args: unknown[]) => (services.db.prepare(sql).get(...args) as { n: number }).n;

describe('ingest queue', () => {
  it('keeps one document per content and replaces a changed file atomically', async () => {
    const a = write('notes.md', '# Apples\n\nApples grow on trees in orchards.\n');
    const copy = write('copy-of-notes.md', '# Apples\n\nApples grow on trees in orchards.\n');
    const { added } = await services.ingest.addPaths([a, copy]);
    await services.ingest.whenIdle();
    expect(added[0].documentId).toBe(added[1].documentId);
    expect(added.map((f) => f.queued)).toEqual([true, true]);
    expect(count('SELECT COUNT(*) AS n FROM documents')).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'orchard'")).toBe(1);

    writeFileSync(a, '# Pears\n\nPears ripen after picking.\n');
    const changed = await services.ingest.addPaths([a]);
    await services.ingest.whenIdle();
    expect(changed.added[0].documentId).toBe(added[0].documentId);
    expect(services.ingest.document(added[0].documentId)).toMatchObject({ status: 'indexed', chunkCount: 1 });
    expect(count("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'orchard'")).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'ripen'")).toBe(1);
    expect(orphanCounts(services.db)).toEqual(noOrphans);

    // The same content again is not queued a second time.
    const again = await services.ingest.addPaths([a]);
    expect(again.added[0]).toMatchObject({ documentId: added[0].documentId, queued: false });
  });

  it('removes documents with their pages, chunks and keyword rows', async () => {
    const { added } = await services.ingest.addPaths([write('a.txt', 'Alpha paragraph.\n\nBeta paragraph.'), write('b.txt', 'Gamma text.')]);
    await services.ingest.whenIdle();
    expect(services.ingest.remove([added[0].documentId])).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM documents')).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'alpha'")).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM pages WHERE document_id = ?', added[0].documentId)).toBe(0);
    expect(orphanCounts(services.db)).toEqual(noOrphans);
  });

  it('emits per-file progress with stage, pages and ETA, then the final document', async () => {
    const events: LibraryEvent[] = [];
    services.ingest.onEvent((e) => events.push(e));
    const pdf = path.join(data.dir, 'fourteen-pages.pdf');
    writeFileSync(pdf, generateTextPdf(14));
    const { added } = await services.ingest.addPaths([pdf]);
    await services.ingest.whenIdle();
    const progress = events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['reading', 'parsing', 'writing']));
    const parsing = progress.filter((p) => p.stage === 'parsing' && p.pagesDone > 0);
    expect(parsing.at(-1)).toMatchObject({ pagesDone: 14, pagesTotal: 14, documentId: added[0].documentId });
    expect(parsing.some((p) => p.etaMs !== null && p.etaMs >= 0)).toBe(true);
    const last = events.filter((e) => e.type === 'document').at(-1);
    expect(last).toMatchObject({ type: 'document', document: { status: 'indexed', pageCount: 14, progress: null } });
    expect(events.at(-1)).toMatchObject({ type: 'queue', queue: { queued: 0, running: 0 } });
  });

  it('pauses and resumes, and cancels queued files', async () => {
    services.ingest.pause();
    const files = ['one', 'two', 'three'].map((n) => write(`${n}.txt`, `Document ${n} body text.`));
    const { added } = await services.ingest.addPaths(files);
    expect(services.ingest.queueState()).toMatchObject({ paused: true, queued: 3, running: 0 });
    expect(services.ingest.cancel([added[2].documentId])).toBe(1);
    expect(services.ingest.document(added[2].documentId).status).toBe('cancelled');
    services.ingest.resume();
    await services.ingest.whenIdle();
    expect(added.map((f) => services.ingest.document(f.documentId).status)).toEqual(['indexed', 'indexed', 'cancelled']);
    expect(orphanCounts(services.db)).toEqual({ ...noOrphans });
  });

  it('cancels the file being parsed without leaving rows behind', async () => {
    // Long enough that the cancel lands while pages are still being parsed.
    const big = path.join(data.dir, 'long.pdf');
    writeFileSync(big, generateTextPdf(200));
    const started = new Promise<void>((resolve) =>
      services.ingest.onEvent((e) => e.type === 'progress' && e.progress.stage === 'parsing' && e.progress.pagesDone > 0 && resolve()),
    );
    const { added } = await services.ingest.addPaths([big]);
    await started;
    expect(services.ingest.cancel()).toBe(1);
    await services.ingest.whenIdle();
    expect(services.ingest.document(added[0].documentId)).toMatchObject({ status: 'cancelled', chunkCount: 0 });
    expect(count('SELECT COUNT(*) AS n FROM chunks')).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM jobs WHERE state = 'cancelled'")).toBe(1);
    // Re-indexing a cancelled document works.
    expect(services.ingest.reindex([added[0].documentId])).toBe(1);
    await services.ingest.whenIdle();
    expect(services.ingest.document(added[0].documentId)).toMatchObject({ status: 'indexed', pageCount: 200 });
  });

  itWithCorpus([PASSWORD_PDF], 'serves uploads, passwords and page texts through the library handlers', async () => {
    const library = createHandlers(services, 'cli').library;
    const ctx = { signal: new AbortController().signal, transport: 'test' };
    const watching = new AbortController();
    const watched: LibraryEvent[] = [];
    const watch = library.watch({}, (e) => watched.push(e), { signal: watching.signal, transport: 'test' });
    const pdf = (await import('node:fs')).readFileSync(corpusFile(PASSWORD_PDF));
    const { added } = await library.addUploads({ files: [{ name: '../../evil/password.pdf', bytesBase64: pdf.toString('base64') }] }, ctx);
    // Path traversal in the uploaded name is stripped: the file lands in uploads/<content hash>/ under its own name.
    expect(path.dirname(path.dirname(added[0].path))).toBe(path.join(services.dataDir, 'uploads'));
    expect(path.basename(added[0].path)).toBe('password.pdf');
    await services.ingest.whenIdle();
    expect((await library.list({}, ctx)).documents[0]).toMatchObject({ status: 'needs_password', errorCode: 'password_required' });
    expect(await library.providePassword({ documentId: added[0].documentId, password: 'password' }, ctx)).toEqual({ queued: true });
    await services.ingest.whenIdle();
    const pages = await library.pages({ documentId: added[0].documentId, from: 1 }, ctx);
    expect(pages.pages).toEqual([{ number: 1, label: null, text: expect.stringContaining('File with password') }]);
    const original = await library.original({ documentId: added[0].documentId }, ctx);
    expect(original.mimeType).toBe('application/pdf');
    expect(Buffer.from(original.bytesBase64, 'base64').equals(pdf)).toBe(true);
    // A file changed on disk since indexing is not shown as if it were the indexed one.
    const { appendFileSync, existsSync } = await import('node:fs');
    appendFileSync(added[0].path, '\n% changed');
    await expect(library.original({ documentId: added[0].documentId }, ctx)).rejects.toMatchObject({ code: 'file_changed' });
    // Removing the document removes its uploaded copy from the data folder.
    expect(await library.remove({ documentIds: [added[0].documentId] }, ctx)).toEqual({ removed: 1 });
    expect(existsSync(path.dirname(added[0].path))).toBe(false);
    watching.abort();
    await watch; // the stream handler returns once its signal aborts
    expect(watched[0]).toEqual({ type: 'queue', queue: { paused: false, queued: 0, running: 0, etaMs: 0 } });
    const statuses = watched.flatMap((e) => (e.type === 'document' ? [e.document.status] : []));
    expect(statuses).toEqual(expect.arrayContaining(['queued', 'processing', 'needs_password', 'indexed']));
  });
});
