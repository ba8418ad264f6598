import type { Db } from '../store/db';
import { trainingSampleSize, VectorArena, type ArenaRow } from './vector-arena';

// The arena of each vector set, one per connection: the copy in memory of the set's vec0 table (its hot rows).
// embedding_sets.vector_version says whether it is current: this connection's writes move the arena along with the
// version; a version this arena did not see (another process wrote) rebuilds it from the table on the next search.

export interface HotSource {
  id: number;
  tableName: string;
  dimension: number;
}

const arenas = new WeakMap<Db, Map<number, { version: number; arena: VectorArena }>>();

const LOAD_BATCH = 4096;

export function vectorVersion(db: Db, setId: number): number {
  return (db.prepare('SELECT vector_version AS v FROM embedding_sets WHERE id = ?').get(setId) as { v: number } | undefined)?.v ?? 0;
}

/** Whether this set can be held in an arena (the int8 kernels work on groups of 32). */
export const arenaSupports = (set: HotSource) => set.dimension % 32 === 0;

/** The set's arena, current with the database (built or rebuilt here when it is not). */
export function hotArena(db: Db, set: HotSource): VectorArena {
  let perDb = arenas.get(db);
  if (!perDb) arenas.set(db, (perDb = new Map()));
  const version = vectorVersion(db, set.id);
  const cached = perDb.get(set.id);
  if (cached?.version === version) return cached.arena;
  perDb.delete(set.id); // the old arena's memory can go before the new one is built
  const arena = loadArena(db, set);
  perDb.set(set.id, { version, arena });
  return arena;
}

/** The loaded arena without loading one: for stats that must not build it. */
export function loadedArena(db: Db, setId: number): VectorArena | undefined {
  return arenas.get(db)?.get(setId)?.arena;
}

/**
 * Applies this connection's committed writes to a loaded arena that was current before them (versionBefore), so the
 * next search needs no rebuild; an arena that was already stale is left to rebuild.
 */
export function applyHotWrites(db: Db, setId: number, versionBefore: number, change: { upserts?: ArenaRow[]; removals?: number[] }): void {
  const cached = arenas.get(db)?.get(setId);
  if (!cached) return;
  if (cached.version !== versionBefore) return void arenas.get(db)!.delete(setId);
  for (const chunkId of change.removals ?? []) cached.arena.remove(chunkId);
  if (change.upserts?.length) cached.arena.upsert(change.upserts);
  cached.version = vectorVersion(db, setId);
}

export function forgetArena(db: Db, setId: number): void {
  arenas.get(db)?.delete(setId);
}

function loadArena(db: Db, set: HotSource): VectorArena {
  const arena = new VectorArena(set.dimension);
  // The hot rows' workspaces from vec0's metadata, then their floats from the rowid table: a vec0 scan that reads the
  // vectors too measured ~2.3x slower.
  const workspaceOf = new Map<number, number>();
  for (const row of db.prepare(`SELECT chunk_id AS chunkId, workspace_id AS workspaceId FROM ${set.tableName}`).iterate() as Iterable<{ chunkId: number; workspaceId: number }>) {
    workspaceOf.set(row.chunkId, row.workspaceId);
  }
  const sampleSize = trainingSampleSize(workspaceOf.size);
  if (sampleSize > 0) arena.train(sampleVectors(db, set, sampleSize), workspaceOf.size);
  let batch: ArenaRow[] = [];
  for (const row of db.prepare(`SELECT chunk_id AS chunkId, embedding FROM embeddings_${set.id}`).iterate() as Iterable<{ chunkId: number; embedding: Buffer }>) {
    const workspaceId = workspaceOf.get(row.chunkId);
    if (workspaceId === undefined) continue; // cold
    batch.push({ chunkId: row.chunkId, workspaceId, vector: asVector(row.embedding) });
    if (batch.length === LOAD_BATCH) {
      arena.upsert(batch);
      batch = [];
    }
  }
  arena.upsert(batch);
  return arena;
}

/** Vectors at evenly spaced chunk ids of the set (cold rows share the distribution): a sample to train the lists on. */
function sampleVectors(db: Db, set: HotSource, count: number): Float32Array[] {
  const { lo, hi } = db.prepare(`SELECT MIN(chunk_id) AS lo, MAX(chunk_id) AS hi FROM embeddings_${set.id}`).get() as { lo: number; hi: number };
  const next = db.prepare(`SELECT chunk_id AS chunkId, embedding FROM embeddings_${set.id} WHERE chunk_id >= ? ORDER BY chunk_id LIMIT 1`);
  const sample: Float32Array[] = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const row = next.get(Math.floor(lo + ((hi - lo + 1) * i) / count)) as { chunkId: number; embedding: Buffer } | undefined;
    if (row && row.chunkId !== last) sample.push(asVector(row.embedding));
    last = row?.chunkId ?? last;
  }
  return sample;
}

const asVector = (blob: Buffer) => new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
