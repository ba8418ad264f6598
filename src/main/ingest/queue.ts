import { statSync } from 'node:fs';
import os from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobProgress, LibraryDocument, LibraryEvent, QueueState } from '../../shared/contract/library';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { log } from '../platform/log';
import { defaultLimits, type IngestLimits } from './document';
import { expandPaths, hashFile } from './files';
import { documentById, documentsInWorkspace } from './library-queries';
import { commitStagedDocument, removeDocuments, StagedDocument, storeUnindexedDocument, type FileFacts, type VectorWriter } from './library-store';
import { indexDocument } from '../retrieve/document-index';
import { problems } from './outcome';
import type { OcrLanguageCode } from './ocr/languages';
import { ParserWorker } from './parser-client';
import { ThreadBudget } from './thread-budget';

// The ingestion queue: jobs live in the jobs table, so a crash or kill -9 loses nothing; up to two files are parsed at
// once, each in its own worker thread, under one thread budget shared with long PDFs' page helpers; each result is
// written in a single transaction that also finishes its job (no partial rows, ever).
// Processes sharing a library each run the jobs they queued (jobs.owner_pid); a dead process's jobs are adopted.

/** The retrieval area's embedder (ActiveEmbedding), when one is installed: vectors are written with their chunks. */
export interface EmbeddingStage {
  modelId: string;
  /** onProgress hears passages embedded of all after each batch: the file's embedding stage is determinate. */
  embedPassages(texts: string[], signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  /** Synchronous: runs inside the transaction that writes the chunk rows. */
  writeVectors(chunkIds: number[], vectors: Float32Array[]): void;
}

export interface IngestQueueOptions {
  db: Db;
  chunkTokens: () => number;
  /** The active embedder's tokenizer folder, or null to estimate tokens. */
  tokenizerFolder: () => Promise<string | null>;
  embedding?: () => Promise<EmbeddingStage | null>;
  limits?: IngestLimits;
  /** A file whose parser reports no progress for this long fails with parse_stalled (default 2 minutes). */
  stallTimeoutMs?: number;
  /** Heap cap of the parser worker, in MB; a file needing more fails with out_of_memory. */
  readerMemoryMb?: number;
  /** Languages OCR reads scans in (default English); an empty list turns OCR off. */
  ocrLanguages?: () => OcrLanguageCode[];
  /** Files parsed at once (default: parseWorkersFor the cores). */
  parseWorkers?: number;
}

/** Files parsed at once: two where there are two cores or more; a long PDF's page helpers share what is left. */
export const parseWorkersFor = (cores: number) => Math.max(1, Math.min(2, cores));

interface JobPayload extends FileFacts {
  path: string;
}

interface JobRow {
  id: number;
  documentId: number;
  payload: JobPayload;
}

export interface EnqueuedFile {
  path: string;
  documentId: number;
  queued: boolean;
}

interface ActiveJob {
  job: JobRow;
  parser: ParserWorker;
  progress: JobProgress;
  /** When the current stage began: its ETA is measured from here. */
  stageStartedAt: number;
  abort: AbortController;
  /** Why the job was interrupted: the job's next state. */
  interruptedAs: 'cancelled' | 'paused' | null;
}

const ACTIVE_STATES = "('queued','running','paused')";
/** How often an idle queue checks for jobs a dead process left behind. */
const ADOPTION_CHECK_MS = 3000;

/** Whether a process with this pid is running (EPERM: it exists but belongs to someone else). */
function processIsAlive(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class IngestQueue {
  private readonly db: Db;
  private readonly limits: IngestLimits;
  private readonly listeners = new Set<(event: LibraryEvent) => void>();
  private readonly passwords = new Map<number, string>(); // memory only: passwords are never written to disk
  private readonly idleWaiters: (() => void)[] = [];
  /** Parser workers not running a file right now. */
  private readonly idleParsers: ParserWorker[];
  private readonly parsers: ParserWorker[];
  /** One slot per core: each file being parsed takes one, a long PDF's page helpers only free ones. */
  private readonly threads = ThreadBudget.of(os.availableParallelism());
  private started = false;
  private closed = false;
  private paused = false;
  /** The files being worked on now, by job id. */
  private readonly active = new Map<number, ActiveJob>();
  /** Observed processing speed, for ETAs of queued files. */
  private msPerByte: number | null = null;
  /** Each running file's work and bookkeeping; close() waits for them. */
  private readonly runs = new Set<Promise<void>>();
  /** While idle, looks now and then for work a process that died left behind. */
  private adoptionTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: IngestQueueOptions) {
    this.db = options.db;
    this.limits = options.limits ?? defaultLimits;
    const workers = options.parseWorkers ?? parseWorkersFor(os.availableParallelism());
    this.parsers = Array.from({ length: workers }, () => new ParserWorker(options.tokenizerFolder, options.stallTimeoutMs ?? 120_000, options.readerMemoryMb, this.threads.buffer));
    this.idleParsers = [...this.parsers];
  }

  /** Recovers jobs a crash left running and starts working; every public method calls it. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.db.transaction(() => {
      // Only jobs whose process died (crash, kill -9) are taken over; another live process keeps its running job.
      const orphaned = (this.db.prepare("SELECT id, document_id AS documentId, owner_pid AS ownerPid FROM jobs WHERE state = 'running' AND kind = 'ingest'").all() as {
        id: number;
        documentId: number;
        ownerPid: number | null;
      }[]).filter((job) => !processIsAlive(job.ownerPid));
      for (const job of orphaned) {
        this.db.prepare("UPDATE jobs SET state = 'queued', owner_pid = ? WHERE id = ?").run(process.pid, job.id);
        this.db.prepare("UPDATE documents SET status = 'queued' WHERE id = ? AND status = 'processing'").run(job.documentId);
      }
      this.adoptOrphanedJobs();
      // A document left queued without a job (cannot happen by construction, but never leave one stuck) is re-queued.
      const stranded = this.db
        .prepare(`SELECT id, path, content_hash AS contentHash, size_bytes AS sizeBytes, mtime_ms AS mtimeMs FROM documents d WHERE status = 'queued'
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.document_id = d.id AND j.state IN ${ACTIVE_STATES})`)
        .all() as (JobPayload & { id: number })[];
      for (const doc of stranded) this.insertJob(doc.id, { path: doc.path, contentHash: doc.contentHash, sizeBytes: doc.sizeBytes, mtimeMs: doc.mtimeMs });
    }).immediate();
    this.paused = (this.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'paused' AND kind = 'ingest'").get() as { n: number }).n > 0;
    this.adoptionTimer = setInterval(() => {
      if (this.idleParsers.length > 0 && !this.paused && !this.closed && this.othersHaveJobs()) this.pump();
    }, ADOPTION_CHECK_MS);
    this.adoptionTimer.unref();
    this.pump();
  }

  /** Whether any job waits or runs under another (or no) process: only then can there be something to adopt. */
  private othersHaveJobs(): boolean {
    return !!this.db.prepare(`SELECT 1 FROM jobs WHERE kind = 'ingest' AND state IN ${ACTIVE_STATES} AND owner_pid IS NOT ? LIMIT 1`).get(process.pid);
  }

  onEvent(listener: (event: LibraryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds files and folders; the same content already in the workspace is not queued again. */
  async addPaths(paths: string[], options: { workspaceId?: number; password?: string } = {}): Promise<{ added: EnqueuedFile[]; missing: string[] }> {
    this.start();
    const workspaceId = options.workspaceId ?? 1;
    if (!this.db.prepare('SELECT 1 FROM workspaces WHERE id = ?').get(workspaceId)) throw new AppError('not_found', 'That workspace no longer exists.');
    const { files, missing } = await expandPaths(paths);
    const added: EnqueuedFile[] = [];
    for (const file of files) {
      const info = await stat(file);
      const facts: FileFacts = { contentHash: await hashFile(file), sizeBytes: info.size, mtimeMs: Math.round(info.mtimeMs) };
      added.push(this.enqueueFile(file, facts, workspaceId, options.password));
    }
    this.emitQueue();
    this.pump();
    return { added, missing };
  }

  private enqueueFile(file: string, facts: FileFacts, workspaceId: number, password: string | undefined): EnqueuedFile {
    const result = this.db.transaction((): EnqueuedFile & { changed: boolean } => {
      const sameContent = this.db.prepare('SELECT id, status FROM documents WHERE workspace_id = ? AND content_hash = ?').get(workspaceId, facts.contentHash) as
        | { id: number; status: LibraryDocument['status'] }
        | undefined;
      if (sameContent) {
        if (this.pendingJob(sameContent.id)) return { path: file, documentId: sameContent.id, queued: true, changed: false };
        const retry =
          ['failed', 'cancelled'].includes(sameContent.status) || (sameContent.status === 'needs_password' && password !== undefined);
        if (!retry) return { path: file, documentId: sameContent.id, queued: false, changed: false };
        if (password !== undefined) this.passwords.set(sameContent.id, password);
        this.db.prepare("UPDATE documents SET status = 'queued', updated_at = ? WHERE id = ?").run(Date.now(), sameContent.id);
        this.insertJob(sameContent.id, { ...facts, path: file });
        return { path: file, documentId: sameContent.id, queued: true, changed: true };
      }
      const samePath = this.db.prepare('SELECT id, status FROM documents WHERE workspace_id = ? AND path = ? ORDER BY id DESC LIMIT 1').get(workspaceId, file) as
        | { id: number; status: LibraryDocument['status'] }
        | undefined;
      if (samePath) {
        // A changed file: its old chunks stay searchable until the new ones replace them in one transaction.
        this.cancelPendingJobs(samePath.id);
        if (samePath.status !== 'indexed') this.db.prepare("UPDATE documents SET status = 'queued', updated_at = ? WHERE id = ?").run(Date.now(), samePath.id);
        if (password !== undefined) this.passwords.set(samePath.id, password);
        this.insertJob(samePath.id, { ...facts, path: file });
        return { path: file, documentId: samePath.id, queued: true, changed: true };
      }
      const now = Date.now();
      const type = path.extname(file).slice(1).toLowerCase() || 'file';
      const documentId = Number(
        this.db
          .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, mtime_ms, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`)
          .run(workspaceId, file, path.basename(file), type, facts.contentHash, facts.sizeBytes, facts.mtimeMs, now, now).lastInsertRowid,
      );
      if (password !== undefined) this.passwords.set(documentId, password);
      this.insertJob(documentId, { ...facts, path: file });
      return { path: file, documentId, queued: true, changed: true };
    }).immediate();
    if (result.changed) this.emitDocument(result.documentId);
    return { path: result.path, documentId: result.documentId, queued: result.queued };
  }

  /** A new job belongs to this process from the start: another process sharing the library leaves it alone. */
  private insertJob(documentId: number, payload: JobPayload): number {
    const now = Date.now();
    const doc = this.db.prepare('SELECT workspace_id AS workspaceId FROM documents WHERE id = ?').get(documentId) as { workspaceId: number };
    return Number(
      this.db
        .prepare(`INSERT INTO jobs (kind, workspace_id, document_id, payload_json, state, owner_pid, created_at, updated_at) VALUES ('ingest', ?, ?, ?, ?, ?, ?, ?)`)
        .run(doc.workspaceId, documentId, JSON.stringify(payload), this.paused ? 'paused' : 'queued', process.pid, now, now).lastInsertRowid,
    );
  }

  /** Jobs whose process is gone (or that predate owners) become this process's; returns how many. */
  private adoptOrphanedJobs(): number {
    let adopted = 0;
    // A file another process was reading when it died (crash, kill -9) starts over here.
    const running = this.db.prepare("SELECT id, document_id AS documentId, owner_pid AS ownerPid FROM jobs WHERE kind = 'ingest' AND state = 'running' AND owner_pid IS NOT ?").all(process.pid) as {
      id: number;
      documentId: number;
      ownerPid: number | null;
    }[];
    for (const job of running.filter((j) => !processIsAlive(j.ownerPid))) {
      adopted += this.db.prepare("UPDATE jobs SET state = 'queued', owner_pid = ? WHERE id = ? AND state = 'running'").run(process.pid, job.id).changes;
      this.db.prepare("UPDATE documents SET status = 'queued' WHERE id = ? AND status = 'processing'").run(job.documentId);
    }
    const owners = this.db.prepare(`SELECT DISTINCT owner_pid AS pid FROM jobs WHERE kind = 'ingest' AND state IN ('queued','paused') AND (owner_pid IS NULL OR owner_pid != ?)`).all(process.pid) as {
      pid: number | null;
    }[];
    for (const { pid } of owners) {
      if (processIsAlive(pid)) continue;
      adopted += this.db
        .prepare(`UPDATE jobs SET owner_pid = ? WHERE kind = 'ingest' AND state IN ('queued','paused') AND owner_pid IS ?`)
        .run(process.pid, pid).changes;
    }
    return adopted;
  }

  private pendingJob(documentId: number): number | null {
    const row = this.db.prepare(`SELECT id FROM jobs WHERE document_id = ? AND kind = 'ingest' AND state IN ${ACTIVE_STATES} ORDER BY id LIMIT 1`).get(documentId) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  private cancelPendingJobs(documentId: number): void {
    const running = this.activeFor(documentId);
    if (running) this.interrupt(running, 'cancelled');
    this.db.prepare(`UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE document_id = ? AND state IN ('queued','paused')`).run(Date.now(), documentId);
  }

  /** A renamed or moved file: the document follows it, keeping its pages, chunks and vectors (its title too, unless it had its own). */
  movePath(documentId: number, newPath: string): void {
    const doc = this.db.prepare('SELECT path FROM documents WHERE id = ?').get(documentId) as { path: string } | undefined;
    if (!doc) return;
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE documents SET path = ?, title = CASE WHEN title = ? THEN ? ELSE title END, updated_at = ? WHERE id = ?')
        .run(newPath, path.basename(doc.path), path.basename(newPath), Date.now(), documentId);
      this.db.prepare(`UPDATE jobs SET payload_json = json_set(payload_json, '$.path', ?) WHERE document_id = ? AND state IN ${ACTIVE_STATES}`).run(newPath, documentId);
      // Questions are routed to documents partly by file name: the routing row is rebuilt from the stored pages.
      const moved = this.db.prepare('SELECT title, status FROM documents WHERE id = ?').get(documentId) as { title: string; status: string };
      if (moved.status === 'indexed') {
        const pageTexts = (this.db.prepare('SELECT text FROM pages WHERE document_id = ? ORDER BY page_number').all(documentId) as { text: string }[]).map((p) => p.text);
        // Each distinct heading path once, in reading order (not one row per chunk).
        const headingPaths = (this.db.prepare('SELECT heading_path AS h FROM chunks WHERE document_id = ? GROUP BY heading_path ORDER BY MIN(ordinal)').all(documentId) as { h: string }[]).map((c) => c.h);
        indexDocument(this.db, { documentId, title: moved.title, filePath: newPath, pageTexts, headingPaths });
      }
    }).immediate();
    this.emitDocument(documentId);
  }

  /** Records a file's current size and time for a document whose content is unchanged (a touched or re-saved file). */
  noteFileFacts(documentId: number, filePath: string): void {
    const info = statSync(filePath, { throwIfNoEntry: false });
    if (!info) return;
    this.db.prepare('UPDATE documents SET size_bytes = ?, mtime_ms = ? WHERE id = ? AND path = ?').run(info.size, Math.round(info.mtimeMs), documentId, filePath);
  }

  /** Queues a needs_password document again with a password (kept in memory only). */
  providePassword(documentId: number, password: string): boolean {
    this.start();
    const doc = documentById(this.db, documentId);
    this.passwords.set(documentId, password);
    return this.requeue(doc);
  }

  reindex(documentIds: number[]): number {
    this.start();
    return documentIds.filter((id) => this.requeue(documentById(this.db, id))).length;
  }

  private requeue(doc: LibraryDocument): boolean {
    if (this.pendingJob(doc.id)) return false;
    const facts = this.db.prepare('SELECT content_hash AS contentHash, size_bytes AS sizeBytes, mtime_ms AS mtimeMs FROM documents WHERE id = ?').get(doc.id) as FileFacts;
    this.db.transaction(() => {
      if (doc.status !== 'indexed') this.db.prepare("UPDATE documents SET status = 'queued', updated_at = ? WHERE id = ?").run(Date.now(), doc.id);
      this.insertJob(doc.id, { ...facts, path: doc.path });
    }).immediate();
    this.emitDocument(doc.id);
    this.emitQueue();
    this.pump();
    return true;
  }

  /** A document another live process is indexing right now is its to finish: refuse to remove or cancel it under it. */
  private refuseIfIndexedElsewhere(documentIds: number[]): void {
    const owners = this.db
      .prepare(`SELECT DISTINCT owner_pid AS pid FROM jobs WHERE kind = 'ingest' AND state = 'running' AND owner_pid IS NOT NULL AND owner_pid != ?
        AND document_id IN (SELECT value FROM json_each(?))`)
      .all(process.pid, JSON.stringify(documentIds)) as { pid: number }[];
    const busy = owners.find((owner) => processIsAlive(owner.pid));
    if (busy) {
      const what = documentIds.length === 1 ? 'this document' : 'some of these documents';
      throw new AppError('library_in_use', `The library is in use by PID ${busy.pid}, which is indexing ${what} right now. Try again when it has finished.`);
    }
  }

  remove(documentIds: number[]): number {
    this.start();
    this.refuseIfIndexedElsewhere(documentIds);
    for (const id of documentIds) {
      const running = this.activeFor(id);
      if (running) this.interrupt(running, 'cancelled');
      this.passwords.delete(id);
    }
    const removed = removeDocuments(this.db, documentIds);
    this.emit({ type: 'removed', documentIds });
    this.emitQueue();
    return removed;
  }

  /** Cancels the jobs of these documents, or all jobs. */
  cancel(documentIds?: number[]): number {
    this.start();
    if (documentIds) this.refuseIfIndexedElsewhere(documentIds);
    const where = documentIds ? `AND document_id IN (SELECT value FROM json_each(?))` : '';
    const args = documentIds ? [JSON.stringify(documentIds)] : [];
    // Cancelling everything leaves alone the file another live process is indexing right now.
    const jobs = (this.db.prepare(`SELECT id, document_id AS documentId, state, owner_pid AS ownerPid FROM jobs WHERE kind = 'ingest' AND state IN ${ACTIVE_STATES} ${where}`).all(...args) as {
      id: number;
      documentId: number;
      state: string;
      ownerPid: number | null;
    }[]).filter((job) => job.state !== 'running' || job.ownerPid === process.pid || !processIsAlive(job.ownerPid));
    this.db.transaction(() => {
      for (const job of jobs) {
        this.db.prepare("UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE id = ? AND state != 'running'").run(Date.now(), job.id);
        this.db.prepare("UPDATE documents SET status = 'cancelled', updated_at = ? WHERE id = ? AND status IN ('queued','processing')").run(Date.now(), job.documentId);
      }
    }).immediate();
    for (const job of jobs) {
      const running = this.active.get(job.id);
      if (running) this.interrupt(running, 'cancelled');
    }
    for (const job of jobs) this.emitDocument(job.documentId);
    this.emitQueue();
    return jobs.length;
  }

  /** Stops after interrupting the running file (it restarts from the beginning on resume). */
  pause(): QueueState {
    this.start();
    this.paused = true;
    this.db.prepare("UPDATE jobs SET state = 'paused', updated_at = ? WHERE kind = 'ingest' AND state = 'queued'").run(Date.now());
    for (const running of this.active.values()) this.interrupt(running, 'paused');
    this.emitQueue();
    return this.queueState();
  }

  resume(): QueueState {
    this.start();
    this.paused = false;
    this.db.prepare("UPDATE jobs SET state = 'queued', updated_at = ? WHERE kind = 'ingest' AND state = 'paused'").run(Date.now());
    this.emitQueue();
    this.pump();
    return this.queueState();
  }

  list(workspaceId?: number): LibraryDocument[] {
    return documentsInWorkspace(this.db, workspaceId).map((doc) => ({ ...doc, progress: this.progressOf(doc.id) }));
  }

  document(documentId: number): LibraryDocument {
    return { ...documentById(this.db, documentId), progress: this.progressOf(documentId) };
  }

  private progressOf(documentId: number): JobProgress | null {
    const running = this.activeFor(documentId);
    if (running) return running.progress;
    const jobId = this.pendingJob(documentId);
    return jobId ? { jobId, documentId, stage: 'queued', pagesDone: 0, pagesTotal: 0, chunks: 0, fraction: 0, startedAt: null, etaMs: null } : null;
  }

  queueState(): QueueState {
    const rows = this.db.prepare(`SELECT state, COUNT(*) AS n, SUM(json_extract(payload_json, '$.sizeBytes')) AS bytes FROM jobs
      WHERE kind = 'ingest' AND state IN ('queued','paused') GROUP BY state`).all() as { state: string; n: number; bytes: number }[];
    const waiting = rows.reduce((sum, r) => sum + r.n, 0);
    const waitingBytes = rows.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
    // Files run side by side: the running ones are done when the slowest is, and the waiting ones share the workers.
    const etas = [...this.active.values()].map((a) => a.progress.etaMs).filter((eta): eta is number => eta !== null);
    const activeEta = etas.length ? Math.max(...etas) : null;
    const etaMs = this.msPerByte === null ? activeEta : (activeEta ?? 0) + Math.round((waitingBytes * this.msPerByte) / this.parsers.length);
    return { paused: this.paused, queued: waiting, running: this.active.size, etaMs: waiting || this.active.size ? etaMs : 0 };
  }

  /**
   * Resolves when none of these documents has a job left to run, whichever process runs it: the CLI waits for its
   * own files, not for everything the app has queued. Polls the table, the one state both processes share.
   */
  async whenSettled(documentIds: number[], pollMs = 200): Promise<void> {
    if (documentIds.length === 0) return;
    // Paused jobs do not count: a queue paused in the app must not hang the CLI (their files report as queued).
    const pending = this.db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE kind = 'ingest' AND state IN ('queued','running') AND document_id IN (SELECT value FROM json_each(?))`);
    const ids = JSON.stringify(documentIds);
    while (!this.closed && (pending.get(ids) as { n: number }).n > 0) {
      // If the process running one of them dies, its jobs are adopted (pump → nextJob) and run here.
      if (this.started && this.idleParsers.length > 0 && !this.paused) this.pump();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Resolves when no job is queued or running (or the queue is paused). */
  whenIdle(): Promise<void> {
    if (this.runs.size === 0 && !this.hasRunnableJob()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.adoptionTimer) clearInterval(this.adoptionTimer);
    for (const running of this.active.values()) this.interrupt(running, 'paused');
    await Promise.all(this.parsers.map((parser) => parser.close()));
    // The interrupted jobs record their state before the database can be closed under them.
    await Promise.all(this.runs);
    // Jobs interrupted by closing simply run again on the next start (only ours: another process may be running its own).
    this.db.prepare("UPDATE jobs SET state = 'queued', owner_pid = NULL WHERE kind = 'ingest' AND state = 'running' AND owner_pid = ?").run(process.pid);
    // Our waiting jobs are released too, so whichever process opens the library next runs them at once.
    this.db.prepare("UPDATE jobs SET owner_pid = NULL WHERE kind = 'ingest' AND state IN ('queued','paused') AND owner_pid = ?").run(process.pid);
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private hasRunnableJob(): boolean {
    return !this.paused && !!this.db.prepare("SELECT 1 FROM jobs WHERE kind = 'ingest' AND state = 'queued' AND owner_pid IS ? LIMIT 1").get(process.pid);
  }

  private nextJob(): JobRow | null {
    const select = this.db.prepare("SELECT id, document_id AS documentId, payload_json AS payload FROM jobs WHERE kind = 'ingest' AND state = 'queued' AND owner_pid IS ? ORDER BY id LIMIT 1");
    let row = select.get(process.pid) as { id: number; documentId: number; payload: string } | undefined;
    // Out of our own work: take over what a process that died (or closed) left waiting.
    if (!row && this.othersHaveJobs() && this.db.transaction(() => this.adoptOrphanedJobs()).immediate() > 0) row = select.get(process.pid) as typeof row;
    return row ? { id: row.id, documentId: row.documentId, payload: JSON.parse(row.payload) as JobPayload } : null;
  }

  /** Starts queued files on idle parser workers; each one that finishes starts the next. */
  private pump(): void {
    if (this.closed) return;
    while (!this.paused && this.idleParsers.length > 0) {
      const job = this.nextJob();
      if (!job) break;
      const parser = this.idleParsers.pop()!;
      const run: Promise<void> = this.runJob(job, parser)
        .catch((error: unknown) => log.error(`ingest job ${job.id} failed unexpectedly`, error))
        .finally(() => {
          this.idleParsers.push(parser);
          this.runs.delete(run);
          if (this.closed) {
            if (this.runs.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
            return;
          }
          this.emitQueue();
          this.pump();
        });
      this.runs.add(run);
    }
    if (this.runs.size === 0 && (this.closed || !this.hasRunnableJob())) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private activeFor(documentId: number): ActiveJob | undefined {
    for (const running of this.active.values()) if (running.job.documentId === documentId) return running;
    return undefined;
  }

  private async runJob(job: JobRow, parser: ParserWorker): Promise<void> {
    const startedAt = Date.now();
    const progress: JobProgress = { jobId: job.id, documentId: job.documentId, stage: 'reading', pagesDone: 0, pagesTotal: 0, chunks: 0, fraction: 0, startedAt, etaMs: null };
    const active: ActiveJob = { job, parser, progress, stageStartedAt: startedAt, abort: new AbortController(), interruptedAs: null };
    // Claim the job atomically: when two processes share the library, exactly one of them runs it.
    const claimed = this.db.transaction(() => {
      const { changes } = this.db
        .prepare("UPDATE jobs SET state = 'running', owner_pid = ?, attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'queued' AND owner_pid IS ?")
        .run(process.pid, startedAt, job.id, process.pid);
      if (changes === 0) return false;
      this.db.prepare("UPDATE documents SET status = 'processing', updated_at = ? WHERE id = ? AND status != 'indexed'").run(startedAt, job.documentId);
      return true;
    }).immediate();
    if (!claimed) return;
    // Claimed before the first await, so the pump never hands this job to a second parser.
    this.active.set(job.id, active);
    // Pages and chunks stream into this connection's temporary tables while the file is read: flat memory, and
    // nothing visible until the one transaction that commits the document.
    const staged = new StagedDocument(this.db, job.id);
    try {
      // Known before the first report, so a row never shows an Embed step that will not run.
      progress.willEmbed = (await this.options.embedding?.().catch(() => null)) != null;
      if (active.interruptedAs) return;
      this.emitDocument(job.documentId);
      this.emitQueue();
      // The file's own parser thread holds a slot for as long as it reads.
      this.threads.take();
      const result = await parser.parse(
        { filePath: job.payload.path, password: this.passwords.get(job.documentId), chunkTokens: this.options.chunkTokens(), limits: this.limits, ocrLanguages: this.options.ocrLanguages?.() },
        (stage, pagesDone, pagesTotal, fraction) => this.setStage(active, stage, fraction, pagesDone, pagesTotal),
        (pages, chunks) => staged.add(pages, chunks),
      ).finally(() => this.threads.give());
      if (active.interruptedAs) return;
      if (result.status === 'indexed') {
        progress.chunks = result.chunkCount;
        const writeVectors = await this.embed(active, staged, result.chunkCount);
        if (active.interruptedAs) return;
        this.setStage(active, 'writing', 0);
        commitStagedDocument(this.db, staged, job.documentId, job.id, result, job.payload, writeVectors);
      } else {
        if (result.logDetail) log.warn(`ingest of ${job.payload.path}: ${result.problem.code} — ${result.logDetail}`);
        storeUnindexedDocument(this.db, job.documentId, job.id, result, job.payload);
      }
      const elapsed = Date.now() - startedAt;
      const perByte = elapsed / Math.max(1, job.payload.sizeBytes);
      this.msPerByte = this.msPerByte === null ? perByte : this.msPerByte * 0.7 + perByte * 0.3;
      this.passwords.delete(job.documentId);
    } catch (error) {
      if (active.interruptedAs) return;
      const problem = error instanceof AppError ? error : problems.readerCrashed('hit an internal error');
      log.error(`ingest of ${job.payload.path} failed`, error);
      const outcome = { status: 'failed' as const, format: null, title: path.basename(job.payload.path), pageCount: null, problem: { code: problem.code, message: problem.message }, logDetail: null };
      storeUnindexedDocument(this.db, job.documentId, job.id, outcome, job.payload);
    } finally {
      staged.discard();
      if (active.interruptedAs) this.finishInterrupted(active);
      this.active.delete(job.id);
      this.emitDocument(job.documentId);
    }
  }

  private finishInterrupted(active: ActiveJob): void {
    const { job } = active;
    const state = active.interruptedAs === 'paused' ? (this.closed ? 'queued' : 'paused') : 'cancelled';
    this.db.transaction(() => {
      this.db.prepare('UPDATE jobs SET state = ?, updated_at = ? WHERE id = ? AND state = ?').run(state, Date.now(), job.id, 'running');
      const docStatus = state === 'cancelled' ? 'cancelled' : 'queued';
      this.db.prepare("UPDATE documents SET status = ?, updated_at = ? WHERE id = ? AND status = 'processing'").run(docStatus, Date.now(), job.documentId);
    }).immediate();
  }

  /** Embeds the staged chunks a batch at a time, storing each batch's vectors beside its chunks; null without vectors. */
  private async embed(active: ActiveJob, staged: StagedDocument, total: number): Promise<VectorWriter | null> {
    const stage = await this.options.embedding?.().catch((error: unknown) => {
      log.warn('no embedder for ingestion; chunks are indexed for keyword search only', error);
      return null;
    });
    if (!stage || total === 0) return null;
    this.setStage(active, 'embedding', 0);
    let embedded = 0;
    try {
      for (const { ordinals, texts } of staged.chunkTexts()) {
        const vectors = await stage.embedPassages(texts, active.abort.signal, (done) => this.setStage(active, 'embedding', (embedded + done) / total));
        if (active.interruptedAs) return null;
        staged.setVectors(ordinals, vectors);
        embedded += texts.length;
      }
      return (_db, ids, vectors) => stage.writeVectors(ids, vectors);
    } catch (error) {
      if (active.interruptedAs) return null;
      // Missing vectors are filled in later by the retrieval area's backfill; the document stays searchable by keywords.
      log.warn(`embedding ${total} chunks with ${stage.modelId} failed; indexing without vectors`, error);
      return null;
    }
  }

  private setStage(active: ActiveJob, stage: JobProgress['stage'], fraction: number, pagesDone?: number, pagesTotal?: number): void {
    const p = active.progress;
    const now = Date.now();
    if (stage !== p.stage) active.stageStartedAt = now;
    // Within a stage the bar never runs backwards, whatever order reports arrive in.
    p.fraction = stage === p.stage ? Math.max(p.fraction, Math.min(1, fraction)) : Math.min(1, Math.max(0, fraction));
    p.stage = stage;
    if (pagesDone !== undefined) p.pagesDone = pagesDone;
    if (pagesTotal !== undefined && pagesTotal > 0) p.pagesTotal = pagesTotal;
    const elapsed = now - (p.startedAt ?? now);
    const inStage = now - active.stageStartedAt;
    p.etaMs =
      stage === 'parsing' && p.pagesDone > 0 && p.pagesTotal > 0
        ? Math.round((elapsed / p.pagesDone) * (p.pagesTotal - p.pagesDone))
        : (stage === 'ocr' || stage === 'embedding') && p.fraction > 0
          ? Math.round((inStage / p.fraction) * (1 - p.fraction))
          : stage === 'writing'
            ? 0
            : p.etaMs;
    this.emit({ type: 'progress', progress: { ...p } });
  }

  private interrupt(active: ActiveJob, as: 'cancelled' | 'paused'): void {
    if (active.interruptedAs) return;
    active.interruptedAs = as;
    active.abort.abort();
    active.parser.stop();
  }

  private emit(event: LibraryEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        log.warn('library event listener failed', error);
      }
    }
  }

  private emitDocument(documentId: number): void {
    if (this.listeners.size === 0) return;
    const exists = this.db.prepare('SELECT 1 FROM documents WHERE id = ?').get(documentId);
    if (exists) this.emit({ type: 'document', document: this.document(documentId) });
  }

  private emitQueue(): void {
    if (this.listeners.size > 0) this.emit({ type: 'queue', queue: this.queueState() });
  }
}
