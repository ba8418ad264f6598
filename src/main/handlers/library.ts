import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_UPLOAD_BYTES } from '../../shared/contract/library';
import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import { documentPages } from '../ingest/library-queries';
import type { Services } from '../services';

const PAGES_PER_CALL = 50;
const mimeTypes: Record<string, string> = {
  pdf: 'application/pdf', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  epub: 'application/epub+zip', html: 'text/html', markdown: 'text/markdown', csv: 'text/csv', text: 'text/plain',
};

/** Uploads keep their (sanitised) name inside a folder named by content hash, so two uploads never collide and titles stay clean. */
function uploadFilePath(name: string, bytes: Buffer): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^\.+/, '') || 'upload';
  return path.join(createHash('sha256').update(bytes).digest('hex').slice(0, 12), base);
}

/** Uploaded copies belong to their documents: once no document refers to an upload, its bytes leave the disk too. */
async function deleteOrphanedUploads(services: Services): Promise<void> {
  const folder = path.join(services.dataDir, 'uploads');
  const entries = await readdir(folder).catch(() => [] as string[]);
  const inUse = services.db.prepare('SELECT 1 FROM documents WHERE path LIKE ? LIMIT 1');
  for (const entry of entries) {
    const dir = path.join(folder, entry);
    if (!inUse.get(`${dir}${path.sep}%`)) await rm(dir, { recursive: true, force: true });
  }
}

export function libraryHandlers(services: Services): LockstepHandlers['library'] {
  const queue = () => services.ingest;
  return {
    list: ({ workspaceId }) => ({ documents: queue().list(workspaceId), queue: queue().queueState() }),
    addPaths: ({ paths, workspaceId, password }) => queue().addPaths(paths, { workspaceId, password }),
    addUploads: async ({ files, workspaceId }) => {
      const folder = path.join(services.dataDir, 'uploads');
      await mkdir(folder, { recursive: true });
      const saved: string[] = [];
      for (const file of files) {
        const bytes = Buffer.from(file.bytesBase64, 'base64');
        if (bytes.length > MAX_UPLOAD_BYTES) {
          throw new AppError('file_too_large', `${file.name} is larger than ${MAX_UPLOAD_BYTES / 2 ** 20} MB; add it from the desktop app or the CLI instead.`);
        }
        const target = path.join(folder, uploadFilePath(file.name, bytes));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, bytes);
        saved.push(target);
      }
      const { added } = await queue().addPaths(saved, { workspaceId });
      return { added };
    },
    providePassword: ({ documentId, password }) => ({ queued: queue().providePassword(documentId, password) }),
    reindex: ({ documentIds }) => ({ queued: queue().reindex(documentIds) }),
    remove: async ({ documentIds }) => {
      const removed = queue().remove(documentIds);
      await deleteOrphanedUploads(services);
      return { removed };
    },
    cancel: ({ documentIds }) => ({ cancelled: queue().cancel(documentIds) }),
    pause: () => queue().pause(),
    resume: () => queue().resume(),
    watch: async (_request, emit, { signal }) => {
      const unsubscribe = queue().onEvent(emit);
      emit({ type: 'queue', queue: queue().queueState() });
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      unsubscribe();
    },
    pages: ({ documentId, from, to }) => {
      const doc = queue().document(documentId);
      const last = Math.min(to ?? from + PAGES_PER_CALL - 1, from + PAGES_PER_CALL - 1);
      return { documentId, pageCount: doc.pageCount, pages: documentPages(services.db, documentId, from, last) };
    },
    original: async ({ documentId }) => {
      const doc = queue().document(documentId);
      // Only what was indexed, exactly as it was indexed: the viewer's pages must match the citations' pages.
      if (doc.status !== 'indexed') throw new AppError('not_indexed', 'Only indexed documents can be opened in the viewer.');
      const info = await stat(doc.path).catch(() => null);
      if (!info) throw new AppError('file_missing', `The original file ${doc.path} is no longer there; the indexed text is still available.`);
      if (info.size > MAX_UPLOAD_BYTES) throw new AppError('file_too_large', `The original file is larger than ${MAX_UPLOAD_BYTES / 2 ** 20} MB and cannot be shown here.`);
      const bytes = await readFile(doc.path);
      const indexedHash = (services.db.prepare('SELECT content_hash AS hash FROM documents WHERE id = ?').get(documentId) as { hash: string }).hash;
      if (createHash('sha256').update(bytes).digest('hex') !== indexedHash) {
        throw new AppError('file_changed', 'The file changed on disk since it was indexed. Re-index it to see its current pages.');
      }
      return { name: path.basename(doc.path), mimeType: mimeTypes[doc.type] ?? 'application/octet-stream', bytesBase64: bytes.toString('base64') };
    },
  };
}
