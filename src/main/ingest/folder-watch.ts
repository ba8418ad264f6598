import { stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { listLibraryFolders } from '../access/library-folders';
import { authorisedFiles, authorisePaths, isWithin, type PathGrants } from '../access/authorise';
import { log } from '../platform/log';
import type { Db } from '../store/db';
import { hashFile } from './files';
import { isIgnored, readIgnoreRules } from './ignore-file';
import type { IngestQueue } from './queue';

// Library folders are watched with chokidar (fs.watch per folder, with its platform quirks handled): a burst of file
// events becomes one scan of that folder after a quiet moment, and the scan (not the events, which editors and sync
// tools make unreliable) decides what is new, changed, moved or gone.
// Every start scans each folder too, so changes made while Lockstep was closed are caught. Files a .lockstepignore
// names are left out (and leave the library when it starts naming them).

/** Editors' and downloaders' scratch files: never documents (hidden files are skipped by the folder walk already). */
const temporary = /(^~\$)|(~$)|\.(tmp|temp|swp|swx|part|crdownload|download|lock)$/i;
export const isTemporaryFile = (file: string) => temporary.test(path.basename(file));

/** Entries below a watched folder whose events are not worth a scan: hidden ones (and anything inside them) and scratch files. */
export function isUnwatchedEntry(folder: string, entry: string): boolean {
  const relative = path.relative(folder, entry);
  return relative !== '' && (relative.split(path.sep).some((part) => part.startsWith('.')) || isTemporaryFile(entry));
}

export interface FolderChanges {
  added: string[];
  changed: string[];
  moved: { from: string; to: string }[];
  removed: string[];
}

interface KnownDocument {
  id: number;
  path: string;
  title: string;
  contentHash: string;
  sizeBytes: number;
  mtimeMs: number | null;
}

export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** One scan per folder at a time; events during a scan ask for one more after it. */
  private readonly scanning = new Map<string, Promise<FolderChanges>>();
  private readonly again = new Set<string>();
  private closed = false;
  private resync: NodeJS.Timeout | null = null;

  private readonly db: Db;

  constructor(
    private readonly store: { db: Db; dataDir: string },
    private readonly queue: IngestQueue,
    private readonly options: { debounceMs?: number; workspaceId?: number; onScanned?: (folder: string, changes: FolderChanges) => void } = {},
  ) {
    this.db = store.db;
  }

  /** Scans and watches the library folders now, then looks every 30 s for folders registered or removed elsewhere (the CLI). */
  async start(): Promise<void> {
    await this.sync();
    this.resync ??= setInterval(() => void this.sync().catch((error: unknown) => log.warn('library folders could not be listed', error)), 30_000);
    this.resync.unref();
  }

  /** Scans and watches every library folder, and stops watching folders no longer registered; call again after a change. */
  async sync(): Promise<void> {
    const folders = listLibraryFolders(this.db).map((f) => f.path);
    for (const [folder, watcher] of this.watchers) {
      if (folders.includes(folder)) continue;
      void watcher.close().catch((error: unknown) => log.warn(`could not stop watching ${folder}`, error));
      this.watchers.delete(folder);
    }
    for (const folder of folders) {
      if (this.closed || this.watchers.has(folder)) continue;
      const watcher = this.watchFolder(folder);
      this.watchers.set(folder, watcher);
      // Once chokidar has walked the folder no event is missed, so whatever changes after this scan starts is seen.
      await new Promise<void>((resolve) => watcher.once('ready', resolve).once('error', () => resolve()));
      await this.scan(folder);
    }
  }

  /** Any event below the folder schedules a scan; hidden and temporary entries make none, and links are not followed. */
  private watchFolder(folder: string): FSWatcher {
    const watcher = watch(folder, { ignoreInitial: true, followSymlinks: false, ignored: (entry: string) => isUnwatchedEntry(folder, entry) });
    watcher.on('all', () => this.schedule(folder));
    watcher.on('error', (error) => log.warn(`watching ${folder} failed; it is still scanned at each start`, error));
    return watcher;
  }

  private schedule(folder: string): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(folder));
    this.timers.set(folder, setTimeout(() => void this.scan(folder).catch((error: unknown) => log.warn(`scanning ${folder} failed`, error)), this.options.debounceMs ?? 750));
  }

  /** Brings the library in line with the folder; resolves with what changed. */
  scan(folder: string): Promise<FolderChanges> {
    const running = this.scanning.get(folder);
    if (running) {
      this.again.add(folder);
      return running;
    }
    const run = this.reconcile(folder).finally(() => {
      this.scanning.delete(folder);
      if (this.again.delete(folder) && !this.closed) this.schedule(folder);
    });
    this.scanning.set(folder, run);
    return run;
  }

  private async reconcile(folder: string): Promise<FolderChanges> {
    const changes: FolderChanges = { added: [], changed: [], moved: [], removed: [] };
    if (this.closed) return changes;
    const workspaceId = this.options.workspaceId ?? 1;
    const exists = await stat(folder).then((s) => s.isDirectory()).catch(() => false);
    // A folder that vanished (unmounted drive, renamed folder) is left alone rather than emptied from the library.
    if (!exists) return changes;
    // Walked as any caller's folder is: a symlinked file leading out of the library folders (or into the data folder) is left out.
    const grants: PathGrants = { granted: new Set(), folders: listLibraryFolders(this.db).map((f) => f.path), dataDir: this.store.dataDir };
    const { allowed } = await authorisePaths([folder], grants);
    const rules = await readIgnoreRules(folder);
    const relative = (file: string) => path.relative(folder, file).split(path.sep).join('/');
    const files = (await authorisedFiles(allowed, grants)).files.filter((file) => !isTemporaryFile(file) && !isIgnored(rules, relative(file)));
    const known = (this.db
      .prepare('SELECT id, path, title, content_hash AS contentHash, size_bytes AS sizeBytes, mtime_ms AS mtimeMs FROM documents WHERE workspace_id = ?')
      .all(workspaceId) as KnownDocument[]).filter((doc) => isWithin(folder, doc.path));
    const byPath = new Map(known.map((doc) => [doc.path, doc]));
    const onDisk = new Set(files);
    const gone = new Map(known.filter((doc) => !onDisk.has(doc.path)).map((doc) => [doc.contentHash, doc]));
    const toIndex: string[] = [];
    for (const file of files) {
      const info = await stat(file).catch(() => null);
      if (!info) continue;
      const doc = byPath.get(file);
      if (doc) {
        if (doc.sizeBytes !== info.size || doc.mtimeMs !== Math.round(info.mtimeMs)) {
          toIndex.push(file);
          changes.changed.push(file);
        }
        continue;
      }
      // A new path whose content a vanished document had: the file was renamed or moved, so its chunks and vectors stay.
      const movedFrom = gone.size ? gone.get(await hashFile(file)) : undefined;
      if (movedFrom) {
        gone.delete(movedFrom.contentHash);
        this.queue.movePath(movedFrom.id, file);
        changes.moved.push({ from: movedFrom.path, to: file });
        continue;
      }
      toIndex.push(file);
      changes.added.push(file);
    }
    if (toIndex.length) {
      const { added } = await this.queue.addPaths(toIndex, { workspaceId });
      // A touched file whose content is unchanged is not re-indexed; its new size and time are noted so it is not hashed again.
      for (const file of added.filter((a) => !a.queued)) this.queue.noteFileFacts(file.documentId, file.path);
    }
    const removed = [...gone.values()];
    if (removed.length) {
      this.queue.remove(removed.map((doc) => doc.id));
      changes.removed.push(...removed.map((doc) => doc.path));
    }
    this.options.onScanned?.(folder, changes);
    return changes;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.resync) clearInterval(this.resync);
    for (const timer of this.timers.values()) clearTimeout(timer);
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.allSettled([...watchers.map((watcher) => watcher.close()), ...this.scanning.values()]);
  }
}
