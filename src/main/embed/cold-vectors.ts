import type { Db } from '../store/db';

// Cold workspaces' vectors: int8 in a sqlite-vec vec0 table partitioned by workspace, no copy in memory. sqlite-vec
// ranks them by cosine on the int8 values (scale-free, so each vector is scaled to use the full int8 range), and
// search rescores the candidates on the float copies in embeddings_<set>, as it does the arena's.

export interface ColdSource {
  id: number;
  dimension: number;
}

export const coldTable = (set: ColdSource) => `vec_cold_${set.id}`;

/** A vector as int8, max |x| mapped to 127: cosine ignores the scale, so no scale is stored. */
export function int8Vector(vector: Float32Array): Buffer {
  let max = 0;
  for (let d = 0; d < vector.length; d++) max = Math.max(max, Math.abs(vector[d]));
  const scale = max ? 127 / max : 0;
  const bytes = Buffer.alloc(vector.length);
  for (let d = 0; d < vector.length; d++) bytes.writeInt8(Math.round(vector[d] * scale), d);
  return bytes;
}

export function coldTableExists(db: Db, set: ColdSource): boolean {
  return !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(coldTable(set));
}

export function ensureColdTable(db: Db, set: ColdSource): void {
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS ${coldTable(set)} USING vec0(chunk_id integer primary key, workspace_id integer partition key,
       embedding int8[${set.dimension}] distance_metric=cosine)`,
  );
}

/** Writes (replacing) cold rows; the table must exist. */
export function writeColdVectors(db: Db, set: ColdSource, rows: { chunkId: number; workspaceId: number; vector: Float32Array }[]): void {
  const remove = db.prepare(`DELETE FROM ${coldTable(set)} WHERE chunk_id = ?`);
  const insert = db.prepare(`INSERT INTO ${coldTable(set)} (chunk_id, workspace_id, embedding) VALUES (?, ?, vec_int8(?))`);
  for (const row of rows) {
    remove.run(BigInt(row.chunkId));
    insert.run(BigInt(row.chunkId), BigInt(row.workspaceId), int8Vector(row.vector));
  }
}

/** Removes these chunks' cold rows, if the set has a cold table; returns how many went. */
export function deleteColdVectors(db: Db, set: ColdSource, chunkIds: number[]): number {
  if (!coldTableExists(db, set)) return 0;
  const remove = db.prepare(`DELETE FROM ${coldTable(set)} WHERE chunk_id = ?`);
  return chunkIds.reduce((removed, chunkId) => removed + remove.run(BigInt(chunkId)).changes, 0);
}

/** Cold rows nearest the query by int8 cosine, within one workspace's partition when given. */
export function coldNearest(db: Db, set: ColdSource, query: Float32Array, count: number, workspaceId?: number): number[] {
  if (!coldTableExists(db, set)) return [];
  const inWorkspace = workspaceId !== undefined ? 'AND workspace_id = ?' : '';
  const rows = db
    .prepare(`SELECT chunk_id AS chunkId FROM ${coldTable(set)} WHERE embedding MATCH vec_int8(?) AND k = ? ${inWorkspace}`)
    .all(int8Vector(query), Math.min(count, 4096), ...(workspaceId !== undefined ? [BigInt(workspaceId)] : [])) as { chunkId: number }[];
  return rows.map((row) => row.chunkId);
}

/** Cold rows per workspace of a set. */
export function coldRowCounts(db: Db, set: ColdSource): Map<number, number> {
  if (!coldTableExists(db, set)) return new Map();
  const rows = db.prepare(`SELECT workspace_id AS workspaceId, COUNT(*) AS n FROM ${coldTable(set)} GROUP BY workspace_id`).all() as { workspaceId: number; n: number }[];
  return new Map(rows.map((row) => [row.workspaceId, row.n]));
}
