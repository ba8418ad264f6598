import type { Db } from '../store/db';
import { AppError } from '../../shared/errors';
import { coldNearest, coldTable, deleteColdVectors, ensureColdTable, writeColdVectors } from './cold-vectors';
import { applyHotWrites, arenaSupports, countHotSearch, forgetArena, hotArena, vectorVersion } from './hot-vectors';
import type { ArenaRow } from './vector-arena';

// Vectors of one embedding set live in these tables:
//   vec_set_<id>    sqlite-vec vec0: the hot workspaces' float32 vectors (+ 1-bit signature), workspace as metadata.
//                   Copied into an in-memory int8 arena (vector-arena.ts) that ranks candidates with the LPU's int8
//                   matvec kernel, over inverted lists once the set is large.
//   vec_cold_<id>   sqlite-vec vec0 int8, partitioned by workspace: the cold workspaces' vectors, ranked on disk.
//   embeddings_<id> every float32 vector in a rowid table: candidates of both are rescored exactly on these, and MMR.
// No foreign key to chunks: the tables must change together, so deletes go through deleteVectorsForChunks.
// Measured with npm run bench:retrieval (clustered vectors): see the bench for recall@10 against exact search.

export interface VectorSet {
  id: number;
  modelId: string;
  dimension: number;
  tableName: string;
  status: 'building' | 'complete' | 'retired';
  chunkCount: number;
  createdAt: number;
  completedAt: number | null;
}

export interface VectorHit {
  chunkId: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

/** Candidates each store (arena, cold table) ranks in int8 before exact rescoring: 4 per result, at least 40. */
const rescoreDepth = (k: number) => Math.min(4096, Math.max(40, 4 * k));

export type StorageTier = 'hot' | 'cold';

/** Where a workspace's vectors are kept now (workspace_tiers.tier; hot when it has no row). */
export function storageTierOf(db: Db, workspaceId: number): StorageTier {
  return ((db.prepare('SELECT tier FROM workspace_tiers WHERE workspace_id = ?').get(workspaceId) as { tier: StorageTier } | undefined)?.tier ?? 'hot');
}

const bumpVersion = (db: Db, setId: number) => db.prepare('UPDATE embedding_sets SET vector_version = vector_version + 1 WHERE id = ?').run(setId);

const selectSet = `SELECT id, model_id AS modelId, dimension, table_name AS tableName, status, chunk_count AS chunkCount,
  created_at AS createdAt, completed_at AS completedAt FROM embedding_sets`;

const exactTable = (set: VectorSet) => `embeddings_${set.id}`;
const asBlob = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

export function listVectorSets(db: Db): VectorSet[] {
  return db.prepare(`${selectSet} WHERE status != 'retired' ORDER BY id`).all() as VectorSet[];
}

export function findVectorSet(db: Db, modelId: string, dimension: number): VectorSet | undefined {
  return db.prepare(`${selectSet} WHERE model_id = ? AND dimension = ? AND status != 'retired'`).get(modelId, dimension) as VectorSet | undefined;
}

/** The newest complete set: the one searches use while a newer one is still being built. */
export function searchableVectorSet(db: Db): VectorSet | undefined {
  return db.prepare(`${selectSet} WHERE status = 'complete' ORDER BY completed_at DESC, id DESC LIMIT 1`).get() as VectorSet | undefined;
}

/** Creates the set and its tables; a set over an empty library is complete from the start. */
export function createVectorSet(db: Db, modelId: string, dimension: number): VectorSet {
  return db.transaction(() => {
    const retired = db.prepare(`SELECT id FROM embedding_sets WHERE model_id = ? AND dimension = ? AND status = 'retired'`).get(modelId, dimension) as
      | { id: number }
      | undefined;
    if (retired) db.prepare('DELETE FROM embedding_sets WHERE id = ?').run(retired.id);
    const id = ((db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM embedding_sets').get() as { next: number }).next);
    const now = Date.now();
    const empty = !db.prepare('SELECT 1 FROM chunks LIMIT 1').get();
    db.prepare(
      `INSERT INTO embedding_sets (id, model_id, dimension, table_name, status, chunk_count, created_at, completed_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
    ).run(id, modelId, dimension, `vec_set_${id}`, empty ? 'complete' : 'building', now, empty ? now : null);
    db.exec(
      `CREATE VIRTUAL TABLE vec_set_${id} USING vec0(chunk_id integer primary key, workspace_id integer,
         embedding float[${dimension}] distance_metric=cosine, signature bit[${dimension}])`,
    );
    db.exec(`CREATE TABLE embeddings_${id} (chunk_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL)`);
    return findVectorSet(db, modelId, dimension)!;
  }).immediate();
}

/** Writes (or replaces) vectors for chunks that exist in this transaction, each in its workspace's tier. */
export function writeVectorsToSet(db: Db, set: VectorSet, chunkIds: number[], vectors: Float32Array[]): void {
  if (chunkIds.length !== vectors.length) throw new Error(`writeVectors: ${chunkIds.length} chunk ids but ${vectors.length} vectors`);
  const workspaceOf = db.prepare('SELECT d.workspace_id AS workspaceId FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?');
  const removeHot = db.prepare(`DELETE FROM ${set.tableName} WHERE chunk_id = ?`);
  const insertHot = db.prepare(
    `INSERT INTO ${set.tableName} (chunk_id, workspace_id, embedding, signature) VALUES (?, ?, ?, vec_quantize_binary(?))`,
  );
  const exists = db.prepare(`SELECT 1 FROM ${exactTable(set)} WHERE chunk_id = ?`);
  const upsertExact = db.prepare(`INSERT OR REPLACE INTO ${exactTable(set)} (chunk_id, embedding) VALUES (?, ?)`);
  const tiers = new Map<number, StorageTier>();
  const hot: ArenaRow[] = [];
  const cold: ArenaRow[] = [];
  let versionBefore = 0;
  db.transaction(() => {
    versionBefore = vectorVersion(db, set.id);
    let added = 0;
    chunkIds.forEach((chunkId, i) => {
      const vector = vectors[i];
      if (vector.length !== set.dimension) {
        throw new AppError('embedder_mismatch', `A ${vector.length}-dimensional vector cannot go into the ${set.dimension}-dimensional ${set.modelId} index.`);
      }
      const row = workspaceOf.get(chunkId) as { workspaceId: number } | undefined;
      if (!row) throw new Error(`writeVectors: chunk ${chunkId} does not exist`);
      if (!tiers.has(row.workspaceId)) tiers.set(row.workspaceId, storageTierOf(db, row.workspaceId));
      if (!exists.get(chunkId)) added++;
      upsertExact.run(chunkId, asBlob(vector));
      removeHot.run(BigInt(chunkId));
      (tiers.get(row.workspaceId) === 'hot' ? hot : cold).push({ chunkId, workspaceId: row.workspaceId, vector });
    });
    for (const row of hot) insertHot.run(BigInt(row.chunkId), BigInt(row.workspaceId), asBlob(row.vector), asBlob(row.vector));
    deleteColdVectors(db, set, hot.map((row) => row.chunkId));
    if (cold.length > 0) {
      ensureColdTable(db, set);
      writeColdVectors(db, set, cold);
    }
    db.prepare('UPDATE embedding_sets SET chunk_count = chunk_count + ? WHERE id = ?').run(added, set.id);
    bumpVersion(db, set.id);
  }).immediate();
  applyHotWrites(db, set.id, versionBefore, { upserts: hot, removals: cold.map((row) => row.chunkId) });
}

/** Removes the vectors of these chunks from every set; call it in the transaction that deletes the chunks. */
export function deleteVectorsForChunks(db: Db, chunkIds: number[]): void {
  if (chunkIds.length === 0) return;
  const ids = JSON.stringify(chunkIds);
  const versionsBefore = new Map<number, number>();
  db.transaction(() => {
    for (const set of listVectorSets(db)) {
      versionsBefore.set(set.id, vectorVersion(db, set.id));
      const removed = db.prepare(`DELETE FROM ${exactTable(set)} WHERE chunk_id IN (SELECT value FROM json_each(?))`).run(ids).changes;
      const hotRows = db.prepare(`DELETE FROM ${set.tableName} WHERE chunk_id = ?`);
      for (const chunkId of chunkIds) hotRows.run(BigInt(chunkId));
      deleteColdVectors(db, set, chunkIds);
      db.prepare('UPDATE embedding_sets SET chunk_count = MAX(0, chunk_count - ?) WHERE id = ?').run(removed, set.id);
      bumpVersion(db, set.id);
    }
  }).immediate();
  for (const [setId, versionBefore] of versionsBefore) applyHotWrites(db, setId, versionBefore, { removals: chunkIds });
}

/** Removes vectors whose chunks are gone (chunks deleted without deleteVectorsForChunks, e.g. a cascaded document delete). */
export function pruneOrphanVectors(db: Db, set: VectorSet): number {
  const orphans = db
    .prepare(`SELECT chunk_id AS id FROM ${exactTable(set)} WHERE chunk_id NOT IN (SELECT id FROM chunks)`)
    .all() as { id: number }[];
  deleteVectorsForChunks(db, orphans.map((row) => row.id));
  return orphans.length;
}

/** Chunks the set has no vector for yet, oldest first. */
export function chunksMissingVectors(db: Db, set: VectorSet, limit: number): { id: number; text: string }[] {
  return db
    .prepare(`SELECT c.id, c.text FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM ${exactTable(set)} v WHERE v.chunk_id = c.id) ORDER BY c.id LIMIT ?`)
    .all(limit) as { id: number; text: string }[];
}

export function countChunksMissingVectors(db: Db, set: VectorSet): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM ${exactTable(set)} v WHERE v.chunk_id = c.id)`).get() as { n: number }).n;
}

/** Marks a set whole and retires every other set (dropping their tables). */
export function completeVectorSet(db: Db, set: VectorSet): VectorSet {
  db.transaction(() => {
    db.prepare(`UPDATE embedding_sets SET status = 'complete', completed_at = ? WHERE id = ?`).run(Date.now(), set.id);
    for (const other of listVectorSets(db)) if (other.id !== set.id) retireVectorSet(db, other);
  }).immediate();
  return findVectorSet(db, set.modelId, set.dimension)!;
}

export function retireVectorSet(db: Db, set: VectorSet): void {
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS ${set.tableName}; DROP TABLE IF EXISTS ${exactTable(set)}; DROP TABLE IF EXISTS ${coldTable(set)};`);
    db.prepare(`UPDATE embedding_sets SET status = 'retired', chunk_count = 0 WHERE id = ?`).run(set.id);
  }).immediate();
  forgetArena(db, set.id);
}

export interface VectorFilter {
  workspaceId?: number;
  documentIds?: number[];
}

/**
 * The k chunks nearest to the query vector, most similar first: int8 candidates from the hot arena (exact KNN while it
 * loads) and the cold table, rescored exactly on the floats. A selection of documents is scanned exactly instead.
 */
export function nearestChunks(db: Db, set: VectorSet, query: Float32Array, k: number, filter: VectorFilter = {}): VectorHit[] {
  if (query.length !== set.dimension) return [];
  const blob = asBlob(query);
  if (filter.documentIds) return toHits(scanDocuments(db, set, blob, k, filter.documentIds, filter.workspaceId));
  const depth = rescoreDepth(k);
  // While the arena (re)loads in the background, the exact sqlite-vec KNN answers: slower, same results.
  const arena = arenaSupports(set) ? hotArena(db, set) : undefined;
  countHotSearch(db, arena ? 'arena' : 'exact');
  const candidates = arena
    ? arena.nearest(query, depth, filter.workspaceId).map((hit) => hit.chunkId)
    : knn(db, set, blob, depth, filter.workspaceId).map((row) => row.chunkId);
  candidates.push(...coldNearest(db, set, query, depth, filter.workspaceId));
  return toHits(rescore(db, set, blob, k, candidates));
}

const toHits = (rows: { chunkId: number; distance: number }[]): VectorHit[] => rows.map((row) => ({ chunkId: row.chunkId, similarity: 1 - row.distance }));

/** Exact sqlite-vec KNN over the hot float vectors, optionally within one workspace (a metadata filter inside the scan). */
function knn(db: Db, set: VectorSet, blob: Buffer, k: number, workspaceId?: number) {
  const inWorkspace = workspaceId !== undefined ? 'AND workspace_id = ?' : '';
  return db
    .prepare(`SELECT chunk_id AS chunkId, distance FROM ${set.tableName} WHERE embedding MATCH ? AND k = ? ${inWorkspace}`)
    .all(blob, Math.min(k, 4096), ...(workspaceId !== undefined ? [BigInt(workspaceId)] : [])) as { chunkId: number; distance: number }[];
}

/** The lookups by chunk id of rescoring, document-restricted scans and MMR; exported so tests check their query plans. */
export const vectorLookupSql = {
  rescore: (set: VectorSet) => `SELECT chunk_id AS chunkId, vec_distance_cosine(embedding, ?) AS distance FROM ${exactTable(set)}
    WHERE chunk_id IN (SELECT value FROM json_each(?)) ORDER BY distance LIMIT ?`,
  scanDocuments: (set: VectorSet, inWorkspace: boolean) => `SELECT v.chunk_id AS chunkId, vec_distance_cosine(v.embedding, ?) AS distance
    FROM chunks c JOIN ${exactTable(set)} v ON v.chunk_id = c.id WHERE c.document_id IN (SELECT value FROM json_each(?))
    ${inWorkspace ? 'AND c.document_id IN (SELECT id FROM documents WHERE workspace_id = ?)' : ''} ORDER BY distance LIMIT ?`,
  vectors: (set: VectorSet) => `SELECT chunk_id AS chunkId, embedding FROM ${exactTable(set)} WHERE chunk_id IN (SELECT value FROM json_each(?))`,
};

/** Exact cosine distances for the int8 candidates, best k first. */
function rescore(db: Db, set: VectorSet, blob: Buffer, k: number, candidates: number[]) {
  return db.prepare(vectorLookupSql.rescore(set)).all(blob, JSON.stringify(candidates), k) as { chunkId: number; distance: number }[];
}

/** Exact scan of a few documents' chunks (the user's selection), through the chunks-by-document index. */
function scanDocuments(db: Db, set: VectorSet, blob: Buffer, k: number, documentIds: number[], workspaceId?: number) {
  return db
    .prepare(vectorLookupSql.scanDocuments(set, workspaceId !== undefined))
    .all(blob, JSON.stringify(documentIds), ...(workspaceId !== undefined ? [workspaceId] : []), k) as { chunkId: number; distance: number }[];
}

/** Exact vectors of these chunks (for MMR); chunks without a vector are absent from the map. */
export function vectorsOfChunks(db: Db, set: VectorSet, chunkIds: number[]): Map<number, Float32Array> {
  const rows = db
    .prepare(vectorLookupSql.vectors(set))
    .all(JSON.stringify(chunkIds)) as { chunkId: number; embedding: Buffer }[];
  return new Map(rows.map((row) => [row.chunkId, new Float32Array(row.embedding.buffer.slice(row.embedding.byteOffset, row.embedding.byteOffset + row.embedding.byteLength))]));
}
