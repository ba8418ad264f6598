import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { log } from '../platform/log';
import type { Db } from '../store/db';
import { arenaFilePath, readArena, removeAbandonedSaves, saveArena, type ArenaKey } from './arena-file';
import { coldRowCounts } from './cold-vectors';
import { trainingSampleSize, VectorArena, type ArenaRow } from './vector-arena';

// The arena of each vector set, one per connection: the copy in memory of the set's vec0 table (its hot rows).
// embedding_sets.vector_version says whether it is current: this connection's writes move the arena along with the
// version; a version this arena did not see (another process wrote) makes it stale.
//
// Loading takes ~2 s per 100k rows, so it runs in the background in slices of at most SLICE_MS, yielding to the event
// loop between them; until a current arena is complete, hotArena() returns undefined and search takes the exact
// sqlite-vec path. A stale arena is dropped at once (never served) and a new one loaded the same way.
// An arena built from the tables is saved beside the database (arena-file.ts) and the next load of the same
// vector_version reads that file instead: seconds rather than a minute at 1M rows.

export interface HotSource {
  id: number;
  tableName: string;
  dimension: number;
}

/** Searches of this connection by path, and arena loads completed: what tests and stats read. */
export interface HotSearchCounts {
  arena: number;
  exact: number;
  loads: number;
  /** Loads that read the arena saved beside the database instead of rebuilding it (a subset of loads). */
  restored: number;
}

interface Loading {
  /** The vector_version the rows read so far agree with (this connection's writes move it along). */
  version: number;
  /** Created by the first slice (its memory and kernels are not free), and anew when another process wrote. */
  arena?: VectorArena;
  /** False while the lists are trained: writes need not touch the arena then, its rows are all still to be read. */
  readingRows: boolean;
  abort: AbortController;
  done: Promise<VectorArena | undefined>;
}

interface SetState {
  ready?: { version: number; arena: VectorArena };
  loading?: Loading;
  /** A version whose load failed: not retried (and logged again) on every search, only once the version moves. */
  failedVersion?: number;
  /** The save of a freshly built arena, running; a close waits for it (or stops it) before the folder may go. */
  saving?: { abort: AbortController; done: Promise<unknown> };
  /** A save due once this connection's writes to the set pause, so the next start need not rebuild. */
  saveTimer?: NodeJS.Timeout;
}

interface DbState {
  sets: Map<number, SetState>;
  counts: HotSearchCounts;
  /** Set by cancelArenaLoads (a close is coming): no save starts after it. */
  closing?: boolean;
}

const states = new WeakMap<Db, DbState>();

/** Longest a load slice runs before yielding (the main process serves the UI or HTTP requests between slices). */
export const SLICE_MS = 12;
/** Quiet time after this connection's last write to a set before its arena is saved again. */
export const SAVE_AFTER_WRITES_MS = 30_000;
/** Rows read per step of a slice (one keyset page of the float table). */
const PAGE_ROWS = 128;

export function vectorVersion(db: Db, setId: number): number {
  return (db.prepare('SELECT vector_version AS v FROM embedding_sets WHERE id = ?').get(setId) as { v: number } | undefined)?.v ?? 0;
}

/** Whether this set can be held in an arena (the int8 kernels work on groups of 32). */
export const arenaSupports = (set: HotSource) => set.dimension % 32 === 0;

function stateOf(db: Db): DbState {
  let state = states.get(db);
  if (!state) states.set(db, (state = { sets: new Map(), counts: { arena: 0, exact: 0, loads: 0, restored: 0 } }));
  return state;
}

function setState(db: Db, setId: number): SetState {
  const sets = stateOf(db).sets;
  let state = sets.get(setId);
  if (!state) sets.set(setId, (state = {}));
  return state;
}

/**
 * The set's arena when it is current with the database, else undefined: a background load is then started (or already
 * running) and the caller searches exactly meanwhile.
 */
export function hotArena(db: Db, set: HotSource): VectorArena | undefined {
  const state = setState(db, set.id);
  const version = vectorVersion(db, set.id);
  if (state.ready?.version === version) return state.ready.arena;
  state.ready = undefined; // stale: never served, and its memory can go before the new one is built
  if (state.failedVersion !== version) void startLoad(db, set, state);
  return undefined;
}

/** Resolves with the set's arena once a current one is loaded (starting the load if needed); undefined if cancelled. */
export async function warmArena(db: Db, set: HotSource): Promise<VectorArena | undefined> {
  for (;;) {
    const state = setState(db, set.id);
    if (state.ready && state.ready.version === vectorVersion(db, set.id)) return state.ready.arena;
    state.ready = undefined;
    const loaded = await startLoad(db, set, state);
    if (!loaded) return undefined;
  }
}

/** Starts loading the arenas of the searchable sets that hold hot rows (none for an empty library); does not wait. */
export function warmHotArenas(db: Db, sets: HotSource[]): void {
  removeRetiredArenaFiles(db);
  for (const set of sets) {
    try {
      if (arenaSupports(set) && db.prepare(`SELECT 1 FROM embeddings_${set.id} LIMIT 1`).get()) hotArena(db, set);
    } catch (error) {
      log.warn(`the vector arena of set ${set.id} will load on the first search instead`, error); // opening must not fail over it
    }
  }
}

/** Deletes saved arenas of sets that were retired or deleted (a re-embed leaves the old set's file behind), and saves a killed process left half-written. */
function removeRetiredArenaFiles(db: Db): void {
  if (!db.name || db.name === ':memory:') return;
  try {
    const abandoned = removeAbandonedSaves(db.name);
    if (abandoned.length > 0) log.info(`removed ${abandoned.length} vector arena file(s) left half-saved by a process that stopped: ${abandoned.join(', ')}`);
    const live = new Set((db.prepare("SELECT id FROM embedding_sets WHERE status != 'retired'").all() as { id: number }[]).map((row) => row.id));
    const prefix = `${path.basename(db.name)}.arena-`;
    for (const name of readdirSync(path.dirname(db.name))) {
      const setId = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
      if (Number.isInteger(setId) && !live.has(setId)) rmSync(path.join(path.dirname(db.name), name), { force: true });
    }
  } catch (error) {
    log.warn('saved vector arenas of retired sets could not be removed', error);
  }
}

/** Stops every load of this connection; resolves once none will touch the database again. */
export async function cancelArenaLoads(db: Db): Promise<void> {
  const state = states.get(db);
  if (!state) return;
  state.closing = true;
  for (const set of state.sets.values()) clearTimeout(set.saveTimer);
  const pending = [...state.sets.values()].flatMap((set) => [set.loading, set.saving].filter((job) => job !== undefined));
  for (const job of pending) job.abort.abort();
  await Promise.all(pending.map((job) => job.done));
}

/** Resolves once the arena built for this set has been saved (or its save given up): benchmarks time loads after it. */
export async function arenaSaved(db: Db, setId: number): Promise<void> {
  await states.get(db)?.sets.get(setId)?.saving?.done;
}

/** Runs a save that waits for writes to pause now, and resolves when it is done (tests, and a close that wants it). */
export async function saveArenaNow(db: Db, setId: number): Promise<void> {
  const state = states.get(db)?.sets.get(setId);
  if (!state?.saveTimer) return arenaSaved(db, setId);
  clearTimeout(state.saveTimer);
  state.saveTimer = undefined;
  await saveWhenCurrent(db, setId, state);
}

/** Whether a load is running for this connection (any set). */
export const arenaLoading = (db: Db) => [...(states.get(db)?.sets.values() ?? [])].some((set) => !!set.loading);

export function hotSearchCounts(db: Db): HotSearchCounts {
  return { ...stateOf(db).counts };
}

export function countHotSearch(db: Db, path: 'arena' | 'exact'): void {
  stateOf(db).counts[path]++;
}

/** The loaded arena without loading one: for stats that must not build it. */
export function loadedArena(db: Db, setId: number): VectorArena | undefined {
  return states.get(db)?.sets.get(setId)?.ready?.arena;
}

/**
 * Applies this connection's committed writes to a loaded arena that was current before them (versionBefore), so the
 * next search needs no rebuild; an arena that was already stale is dropped. A load in progress takes them too.
 */
export function applyHotWrites(db: Db, setId: number, versionBefore: number, change: { upserts?: ArenaRow[]; removals?: number[] }): void {
  const state = states.get(db)?.sets.get(setId);
  if (!state) return;
  const apply = (arena: VectorArena) => {
    for (const chunkId of change.removals ?? []) arena.remove(chunkId);
    if (change.upserts?.length) arena.upsert(change.upserts);
  };
  if (state.ready) {
    if (state.ready.version !== versionBefore) state.ready = undefined;
    else {
      apply(state.ready.arena);
      state.ready.version = vectorVersion(db, setId);
      scheduleSave(db, setId, state);
    }
  }
  // Rows past the load's cursor are read again later from the tables, which already hold this write: harmless twice.
  if (state.loading && state.loading.version === versionBefore) {
    if (state.loading.readingRows && state.loading.arena) apply(state.loading.arena);
    state.loading.version = vectorVersion(db, setId);
  }
}

export function forgetArena(db: Db, setId: number): void {
  const state = states.get(db)?.sets.get(setId);
  state?.loading?.abort.abort();
  clearTimeout(state?.saveTimer);
  states.get(db)?.sets.delete(setId);
}

/** Joins the running load, or starts one; resolves with the arena it published, undefined if it was cancelled. */
function startLoad(db: Db, set: HotSource, state: SetState): Promise<VectorArena | undefined> {
  if (state.loading) return state.loading.done;
  const abort = new AbortController();
  const loading: Loading = { version: -1, readingRows: false, abort, done: Promise.resolve(undefined) };
  state.loading = loading;
  loading.done = runLoad(db, set, state, loading)
    .catch((error: unknown) => {
      if (db.open) log.warn(`loading the vector arena of set ${set.id} failed; search stays exact`, error);
      state.failedVersion = loading.version;
      return undefined;
    })
    .finally(() => {
      if (state.loading === loading) state.loading = undefined;
    });
  return loading.done;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The set's identity and version as a saved arena names them; undefined for a database without a file. */
function arenaKey(db: Db, setId: number): ArenaKey | undefined {
  const row = db.prepare('SELECT created_at AS createdAt, vector_version AS version FROM embedding_sets WHERE id = ?').get(setId) as
    | { createdAt: number; version: number }
    | undefined;
  return row && db.name && db.name !== ':memory:' ? { setId, ...row } : undefined;
}

/** The arena saved for the set's current version, when there is one and nothing wrote while it was read. */
async function restoreSaved(db: Db, set: HotSource, state: SetState, loading: Loading): Promise<VectorArena | undefined> {
  const key = arenaKey(db, set.id);
  if (!key) return undefined;
  const stopped = () => loading.abort.signal.aborted || !db.open || stateOf(db).sets.get(set.id) !== state;
  try {
    const arena = await readArena(arenaFilePath(db.name, set.id), key, stopped);
    return arena && !stopped() && vectorVersion(db, set.id) === key.version ? arena : undefined;
  } catch (error) {
    log.warn(`the saved vector arena of set ${set.id} could not be read; it is rebuilt from the database`, error);
    rmSync(arenaFilePath(db.name, set.id), { force: true }); // never read again; the rebuilt arena is saved in its place
    return undefined;
  }
}

/** Saves a freshly built arena in the background; a later write makes that save give up (the version moved). */
function startSave(db: Db, setId: number, state: SetState, arena: VectorArena, version: number): void {
  const key = arenaKey(db, setId);
  if (!key || key.version !== version || state.saving || stateOf(db).closing) return;
  const abort = new AbortController();
  const done = saveArena(arenaFilePath(db.name, setId), key, arena, () => abort.signal.aborted || !db.open)
    .catch((error: unknown) => log.warn(`the vector arena of set ${setId} could not be saved; the next start rebuilds it`, error))
    .finally(() => {
      if (state.saving?.done === done) state.saving = undefined;
    });
  state.saving = { abort, done };
}

/** Saves the arena this connection kept current through its writes, SAVE_AFTER_WRITES_MS after the last one. */
function scheduleSave(db: Db, setId: number, state: SetState): void {
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(() => {
    state.saveTimer = undefined;
    void saveWhenCurrent(db, setId, state);
  }, SAVE_AFTER_WRITES_MS);
  state.saveTimer.unref(); // never keeps a CLI process alive
}

async function saveWhenCurrent(db: Db, setId: number, state: SetState): Promise<void> {
  await state.saving?.done; // an earlier save gives up by itself: the arena has changed since it began
  const ready = state.ready;
  if (!db.open || !ready || ready.version !== vectorVersion(db, setId)) return;
  startSave(db, setId, state, ready.arena, ready.version);
  await state.saving?.done;
}

async function runLoad(db: Db, set: HotSource, state: SetState, loading: Loading): Promise<VectorArena | undefined> {
  const saved = await restoreSaved(db, set, state, loading);
  if (saved) {
    loading.version = vectorVersion(db, set.id);
    state.ready = { version: loading.version, arena: saved };
    stateOf(db).counts.loads++;
    stateOf(db).counts.restored++;
    return saved;
  }
  let steps: Generator<void> | undefined;
  for (;;) {
    await nextTick();
    if (loading.abort.signal.aborted || !db.open || stateOf(db).sets.get(set.id) !== state) return undefined;
    // One read transaction per slice: the version checked and the rows read come from the same snapshot.
    const finished = db.transaction(() => {
      const version = vectorVersion(db, set.id);
      if (!steps || version !== loading.version) {
        // First slice, or another process wrote since: start over on a fresh arena rather than serve a mix.
        loading.version = version;
        loading.arena = new VectorArena(set.dimension);
        loading.readingRows = false;
        steps = loadSteps(db, set, loading.arena, loading);
      }
      const started = performance.now();
      while (performance.now() - started < SLICE_MS) if (steps.next().done) return true;
      return false;
    }).deferred();
    if (finished && loading.arena) {
      state.ready = { version: loading.version, arena: loading.arena };
      stateOf(db).counts.loads++;
      startSave(db, set.id, state, loading.arena, loading.version);
      return loading.arena;
    }
  }
}

/** The load as steps of bounded work: train the lists on a sample, then read the hot rows page by page. */
function* loadSteps(db: Db, set: HotSource, arena: VectorArena, loading: Loading): Generator<void> {
  const floats = `embeddings_${set.id}`;
  // chunk_count is the float table's row count, kept by every write (COUNT(*) would read the whole table in one step);
  // cold rows are not the arena's, and counting them would train lists for rows it never holds.
  const stored = (db.prepare('SELECT chunk_count AS n FROM embedding_sets WHERE id = ?').get(set.id) as { n: number } | undefined)?.n ?? 0;
  let cold = 0;
  for (const rows of coldRowCounts(db, set).values()) cold += rows;
  const expected = Math.max(0, stored - cold);
  yield;
  const sampleSize = trainingSampleSize(expected);
  if (sampleSize > 0) {
    const sample: Float32Array[] = [];
    yield* sampleVectors(db, floats, sampleSize, sample);
    yield* arena.training(sample, expected);
  }
  loading.readingRows = true;
  // Keyset pages (no statement stays open across slices); vec0's metadata says which rows are hot and their workspace.
  const page = db.prepare(`SELECT chunk_id AS chunkId, embedding FROM ${floats} WHERE chunk_id > ? ORDER BY chunk_id LIMIT ${PAGE_ROWS}`);
  const hot = db.prepare(`SELECT workspace_id AS workspaceId FROM ${set.tableName} WHERE chunk_id = ?`);
  let cursor = -1;
  for (;;) {
    const rows = page.all(cursor) as { chunkId: number; embedding: Buffer }[];
    if (rows.length === 0) return;
    const batch: ArenaRow[] = [];
    for (const row of rows) {
      const found = hot.get(BigInt(row.chunkId)) as { workspaceId: number } | undefined;
      if (found) batch.push({ chunkId: row.chunkId, workspaceId: found.workspaceId, vector: asVector(row.embedding) }); // else cold
    }
    arena.upsert(batch);
    cursor = rows[rows.length - 1].chunkId;
    yield;
  }
}

/** Vectors at evenly spaced chunk ids of the set (cold rows share the distribution): a sample to train the lists on. */
function* sampleVectors(db: Db, floats: string, count: number, sample: Float32Array[]): Generator<void> {
  // Two subqueries: SQLite answers a lone MIN or MAX from the key's ends, but scans the table for both in one select.
  const { lo, hi } = db.prepare(`SELECT (SELECT MIN(chunk_id) FROM ${floats}) AS lo, (SELECT MAX(chunk_id) FROM ${floats}) AS hi`).get() as { lo: number; hi: number };
  const next = db.prepare(`SELECT chunk_id AS chunkId, embedding FROM ${floats} WHERE chunk_id >= ? ORDER BY chunk_id LIMIT 1`);
  let last = -1;
  for (let i = 0; i < count; i++) {
    const row = next.get(Math.floor(lo + ((hi - lo + 1) * i) / count)) as { chunkId: number; embedding: Buffer } | undefined;
    if (row && row.chunkId !== last) sample.push(asVector(row.embedding));
    last = row?.chunkId ?? last;
    if (i % PAGE_ROWS === PAGE_ROWS - 1) yield;
  }
}

const asVector = (blob: Buffer) => new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
