import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import { coldRowCounts } from './cold-vectors';
import { forgetArena, loadedArena } from './hot-vectors';
import { BLOCK_ROWS, ROW_OVERHEAD_BYTES } from './vector-arena';
import { listVectorSets, searchableVectorSet, storageTierOf, writeVectorsToSet, type StorageTier, type VectorSet } from './vector-store';

// Hot and cold workspaces. A hot workspace's vectors sit in the vector set's vec0 table and the in-memory int8 arena
// (fastest search, answered on the fastest channel); a cold one's only on disk, as int8 in a vec0 table partitioned by
// workspace (no resident memory, a quarter of the float bytes), answered on the CPU channel. `pin` is the user's
// choice; 'auto' is hot when the workspace was asked about or had documents added in the last AUTO_DAYS days.
// Moving is a background job: the workspace's tier flips first (new vectors go to the new store), then its vectors are
// rewritten batch by batch; searches read both stores, so answers stay complete while it runs. Cancelling moves the
// rows already moved back.

export type TierPin = 'auto' | 'hot' | 'cold';
export const AUTO_DAYS = 14;
const MOVE_BATCH = 256;
const REBALANCE_INTERVAL_MS = 6 * 3_600_000;

export interface TierMove {
  to: StorageTier;
  done: number;
  total: number;
  /** True while rows already moved are being put back after a cancel. */
  reverting: boolean;
}

export interface WorkspaceTierInfo {
  workspaceId: number;
  name: string;
  pin: TierPin;
  /** Where its vectors live now. */
  tier: StorageTier;
  /** What the pin, or use when auto, asks for. */
  target: StorageTier;
  /** User questions in the last AUTO_DAYS days. */
  recentQuestions: number;
  hotChunks: number;
  coldChunks: number;
  /** Memory its hot vectors take in the arena (int8 rows, scales, bookkeeping). */
  residentBytes: number;
  /** Disk its cold vectors save against hot storage (float32 + 1-bit signature in vec0, against int8). */
  diskSavedBytes: number;
  move: TierMove | null;
}

interface RunningMove {
  move: TierMove;
  abort: AbortController;
  done: Promise<void>;
}

export class WorkspaceTiers {
  private readonly moves = new Map<number, RunningMove>();
  private readonly events = new EventEmitter();
  private rebalancer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where a workspace's vectors live now: what the degradation chain picks a channel by (cold → CPU channel). */
  tierOf(workspaceId: number): StorageTier {
    return storageTierOf(this.db, workspaceId);
  }

  list(): WorkspaceTierInfo[] {
    const { db } = this;
    const since = this.now() - AUTO_DAYS * 86_400_000;
    const rows = db
      .prepare(
        `SELECT w.id AS workspaceId, w.name, COALESCE(t.pin, 'auto') AS pin, COALESCE(t.tier, 'hot') AS tier,
           (SELECT COUNT(*) FROM messages m JOIN threads th ON th.id = m.thread_id WHERE th.workspace_id = w.id AND m.role = 'user' AND m.created_at >= ?) AS recentQuestions,
           (SELECT COUNT(*) FROM documents d WHERE d.workspace_id = w.id AND d.updated_at >= ?) AS recentDocuments,
           (SELECT COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.workspace_id = w.id) AS chunks
         FROM workspaces w LEFT JOIN workspace_tiers t ON t.workspace_id = w.id ORDER BY w.id`,
      )
      .all(since, since) as { workspaceId: number; name: string; pin: TierPin; tier: StorageTier; recentQuestions: number; recentDocuments: number; chunks: number }[];
    const set = searchableVectorSet(db);
    const cold = set ? coldRowCounts(db, set) : new Map<number, number>();
    const arena = set && loadedArena(db, set.id);
    const rowBytes = arena?.bytesPerRow() ?? (set ? set.dimension + set.dimension / 16 + ROW_OVERHEAD_BYTES : 0);
    const savedPerRow = set ? set.dimension * 4 + set.dimension / 8 - set.dimension : 0;
    return rows.map((row) => {
      const coldChunks = cold.get(row.workspaceId) ?? 0;
      // Exact from a loaded arena; without one, chunks not in the cold store (a chunk still being embedded counts).
      const hotChunks = !set ? 0 : arena ? arena.rowsOf(row.workspaceId) : Math.max(0, row.chunks - coldChunks);
      const autoTarget: StorageTier = row.recentQuestions > 0 || row.recentDocuments > 0 ? 'hot' : 'cold';
      return {
        workspaceId: row.workspaceId,
        name: row.name,
        pin: row.pin,
        tier: row.tier,
        target: row.pin === 'auto' ? autoTarget : row.pin,
        recentQuestions: row.recentQuestions,
        hotChunks,
        coldChunks,
        residentBytes: hotChunks * rowBytes,
        diskSavedBytes: coldChunks * savedPerRow,
        move: this.moves.get(row.workspaceId)?.move ?? null,
      };
    });
  }

  info(workspaceId: number): WorkspaceTierInfo {
    const info = this.list().find((row) => row.workspaceId === workspaceId);
    if (!info) throw new AppError('not_found', 'That workspace no longer exists.');
    return info;
  }

  /** Sets the user's choice and starts the move it asks for, if any. */
  pin(workspaceId: number, pin: TierPin): WorkspaceTierInfo {
    this.info(workspaceId);
    this.db
      .prepare(`INSERT INTO workspace_tiers (workspace_id, pin) VALUES (?, ?) ON CONFLICT (workspace_id) DO UPDATE SET pin = excluded.pin`)
      .run(workspaceId, pin);
    this.settle(workspaceId);
    return this.info(workspaceId);
  }

  /** Starts the moves auto workspaces need (on start and now and then). */
  rebalance(): void {
    for (const info of this.list()) if (info.pin === 'auto') this.settle(info.workspaceId);
  }

  /** Rebalances now and every few hours while the app runs (a workspace left idle goes cold without a restart). */
  keepBalanced(intervalMs = REBALANCE_INTERVAL_MS): void {
    if (this.rebalancer) return;
    this.rebalance();
    this.rebalancer = setInterval(() => this.rebalance(), intervalMs);
    this.rebalancer.unref();
  }

  /** Stops a running move; the rows it moved go back, so the workspace ends where it was. */
  async cancel(workspaceId: number): Promise<boolean> {
    const running = this.moves.get(workspaceId);
    if (!running || running.move.reverting) return false;
    running.abort.abort();
    await running.done;
    return true;
  }

  /** Resolves once no move is running (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.moves.size > 0) await Promise.all([...this.moves.values()].map((m) => m.done));
  }

  /** Progress of moves: (workspaceId, move or null when it ended). */
  onProgress(listener: (workspaceId: number, move: TierMove | null) => void): () => void {
    this.events.on('progress', listener);
    return () => this.events.off('progress', listener);
  }

  async close(): Promise<void> {
    clearInterval(this.rebalancer);
    for (const running of this.moves.values()) running.abort.abort();
    await this.whenIdle();
  }

  private settle(workspaceId: number): void {
    const info = this.info(workspaceId);
    const running = this.moves.get(workspaceId);
    if (running) {
      if (running.move.to !== info.target) running.abort.abort(); // the new choice reverses it: the revert is the move
      return;
    }
    const inWrongStore = info.target === 'hot' ? info.coldChunks > 0 : info.hotChunks > 0;
    if (info.tier !== info.target || inWrongStore) this.start(workspaceId, info.tier, info.target);
  }

  private start(workspaceId: number, from: StorageTier, to: StorageTier): void {
    const abort = new AbortController();
    const move: TierMove = { to, done: 0, total: this.chunkCount(workspaceId), reverting: false };
    const jobId = Number(
      this.db
        .prepare(`INSERT INTO jobs (kind, workspace_id, payload_json, state, created_at, updated_at) VALUES ('tier_move', ?, ?, 'running', ?, ?)`)
        .run(workspaceId, JSON.stringify({ from, to }), this.now(), this.now()).lastInsertRowid,
    );
    const report = () => {
      this.db.prepare('UPDATE jobs SET progress_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(move), this.now(), jobId);
      this.events.emit('progress', workspaceId, { ...move });
    };
    const run = async () => {
      let state: 'done' | 'cancelled' | 'failed' = 'done';
      let error: string | null = null;
      try {
        if (await this.rewrite(workspaceId, to, move, report, abort.signal)) return;
        state = 'cancelled';
        // Cancelled: put back what moved, not cancellable itself, so the workspace is whole in one store again.
        Object.assign(move, { to: from, done: 0, reverting: true });
        await this.rewrite(workspaceId, from, move, report, new AbortController().signal);
      } catch (cause) {
        state = 'failed';
        error = cause instanceof Error ? cause.message : String(cause);
      } finally {
        this.db.prepare('UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(state, error, this.now(), jobId);
        this.moves.delete(workspaceId);
        this.events.emit('progress', workspaceId, null);
      }
    };
    const running: RunningMove = { move, abort, done: Promise.resolve() };
    this.moves.set(workspaceId, running);
    this.setTier(workspaceId, to); // at once: vectors written from now on already go to the new store
    running.done = new Promise((resolve) => setImmediate(resolve)).then(run);
  }

  /** Rewrites the workspace's vectors into `to`'s store, batch by batch; false when aborted first. */
  private async rewrite(workspaceId: number, to: StorageTier, move: TierMove, report: () => void, signal: AbortSignal): Promise<boolean> {
    const { db } = this;
    this.setTier(workspaceId, to);
    const chunksAfter = db.prepare(
      `SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.workspace_id = ? AND c.id > ? ORDER BY c.id LIMIT ?`,
    );
    move.total = this.chunkCount(workspaceId);
    report();
    for (const set of listVectorSets(db)) {
      let cursor = 0;
      let done = 0;
      for (;;) {
        if (signal.aborted) return false;
        const ids = (chunksAfter.all(workspaceId, cursor, MOVE_BATCH) as { id: number }[]).map((row) => row.id);
        if (ids.length === 0) break;
        cursor = ids[ids.length - 1];
        const misplaced = misplacedVectors(db, set, ids, to);
        if (misplaced.ids.length > 0) writeVectorsToSet(db, set, misplaced.ids, misplaced.vectors);
        done += ids.length;
        move.done = Math.min(move.total, done);
        report();
        await new Promise((resolve) => setImmediate(resolve)); // searches and the UI run between batches
      }
      // An arena that gave up many rows is rebuilt compact on the next search: WebAssembly memory cannot shrink.
      const arena = loadedArena(db, set.id);
      if (to === 'cold' && arena && arena.residentBytes() > 2 * (arena.size * arena.bytesPerRow() + 4 * BLOCK_ROWS * arena.bytesPerRow())) forgetArena(db, set.id);
    }
    return true;
  }

  private setTier(workspaceId: number, tier: StorageTier): void {
    this.db
      .prepare(`INSERT INTO workspace_tiers (workspace_id, tier, moved_at) VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET tier = excluded.tier, moved_at = excluded.moved_at`)
      .run(workspaceId, tier, this.now());
  }

  private chunkCount(workspaceId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.workspace_id = ?').get(workspaceId) as { n: number }).n;
  }
}

/** Of these chunks, the float vectors of those whose vector is not yet in `to`'s store. */
function misplacedVectors(db: Db, set: VectorSet, chunkIds: number[], to: StorageTier): { ids: number[]; vectors: Float32Array[] } {
  const inHot = db.prepare(`SELECT 1 FROM ${set.tableName} WHERE chunk_id = ?`);
  const floats = db.prepare(`SELECT chunk_id AS chunkId, embedding FROM embeddings_${set.id} WHERE chunk_id IN (SELECT value FROM json_each(?))`);
  const rows = floats.all(JSON.stringify(chunkIds)) as { chunkId: number; embedding: Buffer }[];
  const wrong = rows.filter((row) => (to === 'hot') !== !!inHot.get(BigInt(row.chunkId)));
  return {
    ids: wrong.map((row) => row.chunkId),
    vectors: wrong.map((row) => new Float32Array(row.embedding.buffer.slice(row.embedding.byteOffset, row.embedding.byteOffset + row.embedding.byteLength))),
  };
}
