import { create } from 'zustand';
import { MAX_UPLOAD_BYTES, type JobProgress, type LibraryDocument, type LibraryEvent, type LibraryFolder, type QueueState } from '../../../shared/contract/library';
import { translateNow } from '../../i18n';
import { formatBytes } from '../../i18n/format';
import { client, grantedPaths } from '../../ipc/client';
import { errorMessage, isCancelled } from '../../ipc/errors';
import { choosePaths } from '../picker/store';
import { showToast, withToast } from '../ui/store';
import { refreshWorkspaces, useWorkspaceStore } from '../workspace/store';
import { foldLibraryEvent } from './reducer';

export interface PendingUpload {
  key: string;
  name: string;
  sizeBytes: number;
}

interface LibraryState {
  /** Every known document by id (all workspaces: the watch stream is global). */
  documents: Record<number, LibraryDocument>;
  queue: QueueState | null;
  uploads: PendingUpload[];
  /** Registered library folders: the only places files may be added from by path (besides this window's drops). */
  folders: LibraryFolder[];
  loaded: boolean;
  error: string | null;
}

export const useLibraryStore = create<LibraryState>()(() => ({ documents: {}, queue: null, uploads: [], folders: [], loaded: false, error: null }));

export type { JobProgress, LibraryDocument };

/** Documents in the active workspace, counted from the live library so drops and removals show at once. */
export function useActiveDocumentCount(): number {
  const workspaceId = useWorkspaceStore((s) => s.activeWorkspaceId);
  return useLibraryStore((s) => Object.values(s.documents).filter((d) => d.workspaceId === workspaceId).length);
}

let countRefresh: ReturnType<typeof setTimeout> | undefined;

function apply(event: LibraryEvent): void {
  useLibraryStore.setState((s) => foldLibraryEvent(s, event));
  if (event.type === 'document' || event.type === 'removed') {
    // Workspace document counts in the sidebar follow, at most twice a second.
    clearTimeout(countRefresh);
    countRefresh = setTimeout(() => void refreshWorkspaces(), 500);
  }
}

/** Loads the library and follows it live; returns the stop function. */
export function startLibrary(): () => void {
  const handle = client.library.watch({}, apply);
  handle.done.catch((error) => !isCancelled(error) && useLibraryStore.setState({ error: errorMessage(error) }));
  void loadDocuments();
  void loadFolders();
  const unsubscribe = useWorkspaceStore.subscribe((s, previous) => s.activeWorkspaceId !== previous.activeWorkspaceId && void loadDocuments());
  return () => {
    handle.cancel();
    unsubscribe();
  };
}

export async function loadDocuments(): Promise<void> {
  const workspaceId = useWorkspaceStore.getState().activeWorkspaceId ?? undefined;
  try {
    const { documents, queue } = await client.library.list({ workspaceId });
    useLibraryStore.setState((s) => ({ documents: { ...s.documents, ...Object.fromEntries(documents.map((d) => [d.id, d])) }, queue, loaded: true, error: null }));
  } catch (error) {
    useLibraryStore.setState({ loaded: true, error: errorMessage(error) });
  }
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
}

// One call carries at most this many bytes so a big drop does not become one giant frame.
const BATCH_BYTES = 24 * 1024 * 1024;
let uploadSeq = 0;

/** Sends dropped or picked files to main as bytes (browser mode has no paths), in batches. */
export async function uploadFiles(files: File[]): Promise<void> {
  const tooBig = files.filter((f) => f.size > MAX_UPLOAD_BYTES);
  for (const file of tooBig) showToast(translateNow('library.tooLarge', { name: file.name, size: formatBytes(MAX_UPLOAD_BYTES) }));
  const accepted = files.filter((f) => f.size <= MAX_UPLOAD_BYTES);
  const pending = accepted.map((file) => ({ key: `upload-${uploadSeq++}`, name: file.name, sizeBytes: file.size }));
  useLibraryStore.setState((s) => ({ uploads: [...s.uploads, ...pending] }));
  const workspaceId = useWorkspaceStore.getState().activeWorkspaceId ?? undefined;
  let batch: { file: File; key: string }[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    const sending = batch;
    batch = [];
    batchBytes = 0;
    try {
      const payload = await Promise.all(sending.map(async ({ file }) => ({ name: file.name, bytesBase64: await readBase64(file), sizeBytes: file.size })));
      await client.library.addUploads({ files: payload, workspaceId });
    } catch (error) {
      showToast(errorMessage(error));
    } finally {
      const done = new Set(sending.map((s) => s.key));
      useLibraryStore.setState((s) => ({ uploads: s.uploads.filter((u) => !done.has(u.key)) }));
    }
  };
  for (const [i, file] of accepted.entries()) {
    if (batch.length && (batchBytes + file.size > BATCH_BYTES || batch.length >= 100)) await flush();
    batch.push({ file, key: pending[i].key });
    batchBytes += file.size;
  }
  await flush();
  await loadDocuments();
}

/** Adds dropped or picked files: by granted path in Electron (no size cap, real locations), else as uploaded bytes. */
export async function addFiles(files: File[]): Promise<void> {
  const paths = await grantedPaths(files);
  if (!paths) return uploadFiles(files);
  const workspaceId = useWorkspaceStore.getState().activeWorkspaceId ?? undefined;
  await withToast(async () => {
    const { missing } = await client.library.addPaths({ paths, workspaceId });
    if (missing.length) showToast(translateNow('library.notFound', { paths: missing.join(', ') }));
  });
  await loadDocuments();
}

/** "Add files…": main's open dialog in the app, the picker in browser mode; the chosen files are added where they are. */
export async function addChosenFiles(upload?: () => void): Promise<void> {
  const workspaceId = useWorkspaceStore.getState().activeWorkspaceId ?? undefined;
  await withToast(async () => {
    const paths = await choosePaths('files', 'documents', upload);
    if (!paths.length) return;
    const { missing } = await client.library.addPaths({ paths, workspaceId });
    if (missing.length) showToast(translateNow('library.notFound', { paths: missing.join(', ') }));
  });
  await loadDocuments();
}

/**
 * "Add folder…": registers a library folder and adds its files. The app opens main's own folder dialog; browser mode
 * names the folders picked in its picker, which were granted to this connection.
 */
export async function addLibraryFolder(): Promise<void> {
  const workspaceId = useWorkspaceStore.getState().activeWorkspaceId ?? undefined;
  await withToast(async () => {
    const picked = window.lockstepFiles ? [undefined] : await choosePaths('folder', 'documents');
    for (const path of picked) {
      const { folder, missing } = await client.library.addFolder({ workspaceId, path });
      if (folder) showToast(translateNow('library.folderAdded', { path: folder.path }));
      if (missing.length) showToast(translateNow('library.notFound', { paths: missing.join(', ') }));
    }
  });
  await Promise.all([loadDocuments(), loadFolders()]);
}

export const loadFolders = () => withToast(async () => useLibraryStore.setState({ folders: (await client.library.folders({})).folders }));

/** Its documents stay; only adding more of its files by path stops. */
export const unregisterFolder = (id: number) =>
  withToast(async () => {
    await client.library.removeFolder({ id });
    useLibraryStore.setState((s) => ({ folders: s.folders.filter((f) => f.id !== id) }));
  });

export const providePassword = (documentId: number, password: string) => withToast(() => client.library.providePassword({ documentId, password }));
export const reindexDocuments = (documentIds: number[]) => withToast(() => client.library.reindex({ documentIds }));
export const cancelDocuments = (documentIds?: number[]) => withToast(() => client.library.cancel({ documentIds }));
export const removeDocuments = (documentIds: number[]) =>
  withToast(async () => {
    await client.library.remove({ documentIds });
    useLibraryStore.setState((s) => foldLibraryEvent(s, { type: 'removed', documentIds }));
  });

export const pauseQueue = () => withToast(async () => useLibraryStore.setState({ queue: await client.library.pause({}) }));
export const resumeQueue = () => withToast(async () => useLibraryStore.setState({ queue: await client.library.resume({}) }));
