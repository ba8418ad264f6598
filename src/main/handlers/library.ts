import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MAX_UPLOAD_BYTES } from '../../shared/contract/library';
import type { HandlerContext } from '../../shared/contract/define';
import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import { authorisedFiles, authorisePath, authorisePaths, type PathGrants } from '../access/authorise';
import { callerGrants } from '../access/caller';
import { addLibraryFolder, listLibraryFolders, removeLibraryFolder } from '../access/library-folders';
import { watchLibraryFolders } from '../ingest/index';
import { documentPages } from '../ingest/library-queries';
import type { Services } from '../services';
import { decodeUploads } from './uploads';

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

/** Paths a caller names are authorised (realpath, grants), folders expanded file by file; the queue gets real file paths only. */
async function addAuthorisedPaths(services: Services, paths: string[], ctx: HandlerContext, options: { workspaceId?: number; password?: string }) {
  const grants = callerGrants(services, ctx);
  const { allowed, missing } = await authorisePaths(paths, grants);
  const { files, missing: dangling } = await authorisedFiles(allowed, grants);
  const result = files.length ? await services.ingest.addPaths(files, options) : { added: [], missing: [] };
  return { added: result.added, missing: [...missing, ...dangling, ...result.missing] };
}

/** A folder a caller names must be one it was granted (picked) or that lies in a library folder, and a folder. */
async function grantedFolder(named: string, grants: PathGrants): Promise<string> {
  const folder = await authorisePath(named, grants);
  if (!folder) throw new AppError('not_found', `The folder ${named} does not exist.`);
  if (!folder.isDirectory) throw new AppError('not_a_folder', `${named} is a file: choose the folder that holds it.`);
  return folder.real;
}

export function libraryHandlers(services: Services): LockstepHandlers['library'] {
  const queue = () => services.ingest;
  return {
    list: ({ workspaceId }) => ({ documents: queue().list(workspaceId), queue: queue().queueState() }),
    addPaths: ({ paths, workspaceId, password }, ctx) => addAuthorisedPaths(services, paths, ctx, { workspaceId, password }),
    addUploads: async ({ files, workspaceId }) => {
      const decoded = decodeUploads(files);
      // Checked before writing, so an upload to a removed workspace leaves no bytes behind.
      if (workspaceId !== undefined && !services.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(workspaceId)) {
        throw new AppError('not_found', 'That workspace no longer exists.');
      }
      const folder = path.join(services.dataDir, 'uploads');
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const saved: string[] = [];
      for (const { name, bytes } of decoded) {
        const target = path.join(folder, uploadFilePath(name, bytes));
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        await writeFile(target, bytes, { mode: 0o600 });
        saved.push(target);
      }
      const { added } = await queue().addPaths(saved, { workspaceId });
      return { added };
    },
    folders: () => ({ folders: listLibraryFolders(services.db) }),
    addFolder: async ({ workspaceId, path: named }, ctx) => {
      if (named === undefined && !ctx.chooseFolder) throw new AppError('not_supported', 'Folders can be added from the desktop app, or with "lockstep folders add DIR" in a terminal.');
      const chosen = named === undefined ? await ctx.chooseFolder!() : await grantedFolder(named, callerGrants(services, ctx));
      if (!chosen) return { folder: null, added: [], missing: [] };
      const folder = await addLibraryFolder(services.db, services.dataDir, chosen);
      const added = await addAuthorisedPaths(services, [folder.path], ctx, { workspaceId });
      watchLibraryFolders(services); // from now on its new, changed and removed files are followed
      return { folder, ...added };
    },
    removeFolder: async ({ id }) => {
      const removed = (await removeLibraryFolder(services.db, id)) !== null;
      watchLibraryFolders(services);
      return { removed };
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
