import path from 'node:path';
import type { LibraryDocument } from '../../../shared/contract/library';
import { AppError } from '../../../shared/errors';
import type { EnqueuedFile } from '../../ingest/index';
import type { Services } from '../../services';
import type { CommandModule } from '../context';
import { forCli } from '../wording';

// lockstep ingest <files or folders…> [--workspace W] [--password P]
// lockstep docs list [--workspace W] · lockstep docs rm <ids or paths…>

/** What became of one file in this run: its document's status, or that it added nothing new. */
type FileResult = 'indexed' | 'duplicate' | 'unchanged' | 'needs_ocr' | 'needs_password' | 'failed' | 'cancelled' | 'queued';

interface FileOutcome {
  path: string;
  documentId: number;
  result: FileResult;
  status: LibraryDocument['status'];
  /** For a duplicate: the file whose content it repeats (same content hash). */
  duplicateOf: string | null;
  reasonCode: string | null;
  reason: string | null;
  pages: number | null;
  /** The document's chunks, counted in the database. */
  chunks: number;
}

/** A workspace by id or name; ingest creates a named one that does not exist yet. */
function workspaceFor(services: Services, nameOrId: string | undefined, create: boolean): number | undefined {
  if (nameOrId === undefined) return undefined;
  const row = services.db.prepare('SELECT id FROM workspaces WHERE id = ? OR name = ? COLLATE NOCASE').get(Number(nameOrId) || -1, nameOrId) as { id: number } | undefined;
  if (row) return row.id;
  if (!create || /^\d+$/.test(nameOrId)) throw new AppError('not_found', `There is no workspace "${nameOrId}".`);
  return Number(services.db.prepare('INSERT INTO workspaces (name, created_at) VALUES (?, ?)').run(nameOrId, Date.now()).lastInsertRowid);
}

const chunksInDatabase = (services: Services, documentIds: number[]): number =>
  (services.db.prepare('SELECT COUNT(*) AS n FROM chunks WHERE document_id IN (SELECT value FROM json_each(?))').get(JSON.stringify(documentIds)) as { n: number }).n;

/**
 * One outcome per file: a file whose content another file of this run (or another document) already has is a
 * duplicate, a file already in the library as it is is unchanged, anything else reports its document's status.
 */
function outcomesOf(services: Services, added: EnqueuedFile[]): FileOutcome[] {
  const firstPathOf = new Map<number, string>();
  return added.map((file) => {
    const doc = services.ingest.document(file.documentId);
    const earlier = firstPathOf.get(file.documentId);
    if (earlier === undefined) firstPathOf.set(file.documentId, file.path);
    const duplicateOf = earlier ?? (!file.queued && doc.path !== file.path ? doc.path : null);
    const result: FileResult = duplicateOf !== null ? 'duplicate' : !file.queued ? 'unchanged' : doc.status === 'processing' ? 'queued' : doc.status;
    return {
      path: file.path,
      documentId: doc.id,
      result,
      status: doc.status,
      duplicateOf,
      reasonCode: doc.errorCode,
      reason: doc.errorMessage === null ? null : forCli(doc.errorMessage),
      pages: doc.pageCount,
      chunks: chunksInDatabase(services, [doc.id]),
    };
  });
}

export const ingestCommand: CommandModule = (program, cli) => {
  program
    .command('ingest <paths...>')
    .description('add files and folders to the library and wait until they are indexed')
    .option('--workspace <name or id>', 'workspace to add to (created if it does not exist)')
    .option('--password <password>', 'password for protected PDFs and Office files')
    .action(async (paths: string[], options: { workspace?: string; password?: string }) => {
      const services = cli.services();
      const queue = services.ingest;
      // Ingesting from the CLI is an explicit request to work: a queue paused in the app resumes.
      queue.start();
      if (queue.queueState().paused) queue.resume();
      const started = Date.now();
      let lastLine = 0;
      const unsubscribe = queue.onEvent((event) => {
        if (event.type !== 'progress' || Date.now() - lastLine < 250) return;
        lastLine = Date.now();
        const { documentId, stage, pagesDone, pagesTotal, fraction } = event.progress;
        const name = path.basename(queue.document(documentId).path);
        const pages = stage === 'parsing' && pagesTotal ? ` ${pagesDone}/${pagesTotal}` : '';
        cli.progress(`${stage} ${name}${pages}${stage === 'ocr' || stage === 'embedding' ? ` ${Math.round(fraction * 100)}%` : ''}`);
      });
      const { added, missing } = await queue.addPaths(paths, { workspaceId: workspaceFor(services, options.workspace, true), password: options.password });
      await queue.whenSettled(added.map((file) => file.documentId));
      unsubscribe();
      const files = outcomesOf(services, added);
      const count = (result: FileResult) => files.filter((f) => f.result === result).length;
      const indexedDocuments = [...new Set(files.filter((f) => f.result === 'indexed').map((f) => f.documentId))];
      const summary = {
        files: files.length,
        documents: new Set(files.map((f) => f.documentId)).size,
        indexed: count('indexed'),
        duplicate: count('duplicate'),
        unchanged: count('unchanged'),
        needs_password: count('needs_password'),
        needs_ocr: count('needs_ocr'),
        failed: count('failed'),
        cancelled: count('cancelled'),
        queued: count('queued'),
        missing: missing.length,
        /** Chunks of the documents this run indexed, counted in the database. */
        chunks: chunksInDatabase(services, indexedDocuments),
        elapsedMs: Date.now() - started,
      };
      const detail = (f: FileOutcome) =>
        f.result === 'indexed' ? ` (${f.pages} pages, ${f.chunks} chunks)` : f.result === 'duplicate' ? ` — same content as ${f.duplicateOf}` : f.reason && f.result !== 'unchanged' ? ` — ${f.reason}` : '';
      const others = (['cancelled', 'queued'] as const).filter((r) => summary[r] > 0).map((r) => `, ${summary[r]} ${r}`).join('');
      cli.print({ files, missing, summary }, () =>
        [
          ...files.map((f) => `${f.result.padEnd(14)} ${f.path}${detail(f)}`),
          ...missing.map((m) => `${'missing'.padEnd(14)} ${m} — no such file or folder`),
          `${summary.files} files: ${summary.indexed} indexed, ${summary.duplicate} duplicate, ${summary.unchanged} unchanged, ${summary.needs_password} need a password, ` +
            `${summary.needs_ocr} need OCR, ${summary.failed} failed${others}; ${summary.chunks} chunks indexed (${(summary.elapsedMs / 1000).toFixed(1)} s)`,
        ].join('\n'),
      );
    });

  const docs = program.command('docs').description('list or remove documents in the library');
  docs
    .command('list')
    .description('list documents with their status')
    .option('--workspace <name or id>', 'one workspace only')
    .action((options: { workspace?: string }) => {
      const services = cli.services();
      const documents = services.ingest.list(workspaceFor(services, options.workspace, false));
      cli.print({ documents }, () =>
        documents.length
          ? documents.map((d) => `${String(d.id).padStart(5)} ${d.status.padEnd(14)} ${d.path}${d.status === 'indexed' ? ` (${d.pageCount} pages, ${d.chunkCount} chunks)` : d.errorMessage ? ` — ${forCli(d.errorMessage)}` : ''}`).join('\n')
          : 'The library is empty. Add documents with: lockstep ingest <files or folders>',
      );
    });
  docs
    .command('rm <documents...>')
    .description('remove documents (by id or path) with their chunks and vectors')
    .action((refs: string[]) => {
      const services = cli.services();
      const ids = refs.map((ref) => {
        const row = (/^\d+$/.test(ref)
          ? services.db.prepare('SELECT id FROM documents WHERE id = ?').get(Number(ref))
          : services.db.prepare('SELECT id FROM documents WHERE path = ? ORDER BY id DESC LIMIT 1').get(path.resolve(ref))) as { id: number } | undefined;
        if (!row) throw new AppError('not_found', `No document "${ref}" in the library. See the ids with: lockstep docs list`);
        return row.id;
      });
      const removed = services.ingest.remove(ids);
      cli.print({ removed, documentIds: ids }, () => `Removed ${removed} document${removed === 1 ? '' : 's'}.`);
    });
};
