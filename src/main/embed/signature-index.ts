import type { Db } from '../store/db';

// The 1-bit signatures of a large vector set, held in memory for a Hamming-distance pre-selection.
// sqlite-vec's own bit KNN keeps its top k sorted by insertion, so it costs ~10 ms at k=100 and ~40 ms at k=400 over
// 100k rows; this scan costs ~2 ms for any k, so many more candidates can be rescored exactly (better recall).
// The vec0 table stays the store of record: this process's writes are applied to the index as they happen, and it is
// rebuilt from the table when another connection (another process) has committed since (PRAGMA data_version).

export interface SignatureSource {
  id: number;
  tableName: string;
  dimension: number;
}

const EXCLUDED = Number.NaN;

class SignatureIndex {
  size = 0;
  private chunkIds: Float64Array; // (capacity)
  private workspaceIds: Float64Array; // (capacity), NaN for a removed row
  private words: Uint32Array; // (capacity, wordsPerRow) packed signature bits
  private readonly rowOf = new Map<number, number>();

  constructor(
    readonly wordsPerRow: number,
    capacity: number,
  ) {
    this.chunkIds = new Float64Array(Math.max(capacity, 16));
    this.workspaceIds = new Float64Array(Math.max(capacity, 16));
    this.words = new Uint32Array(Math.max(capacity, 16) * wordsPerRow);
  }

  /** Adds or replaces a chunk's signature (bytes as vec_quantize_binary packs them). */
  upsert(chunkId: number, workspaceId: number, signature: Uint8Array) {
    let row = this.rowOf.get(chunkId);
    if (row === undefined) {
      if (this.size === this.chunkIds.length) this.grow();
      row = this.size++;
      this.rowOf.set(chunkId, row);
      this.chunkIds[row] = chunkId;
    }
    this.workspaceIds[row] = workspaceId;
    new Uint8Array(this.words.buffer, row * this.wordsPerRow * 4, signature.length).set(signature);
  }

  remove(chunkId: number) {
    const row = this.rowOf.get(chunkId);
    if (row === undefined) return;
    this.workspaceIds[row] = EXCLUDED;
    this.rowOf.delete(chunkId);
  }

  /** Chunk ids of the `count` signatures closest to the query's (ties broken by storage order). */
  nearest(query: Uint32Array, count: number, workspaceId?: number): number[] {
    const { size, wordsPerRow, words, workspaceIds } = this;
    const maxDistance = wordsPerRow * 32 + 1;
    const distances = new Uint16Array(size); // (rows)
    const histogram = new Uint32Array(maxDistance + 1); // (distance)
    for (let row = 0; row < size; row++) {
      const workspace = workspaceIds[row];
      if (Number.isNaN(workspace) || (workspaceId !== undefined && workspace !== workspaceId)) {
        distances[row] = maxDistance;
        continue;
      }
      let distance = 0;
      const base = row * wordsPerRow;
      for (let w = 0; w < wordsPerRow; w++) {
        let x = words[base + w] ^ query[w];
        x -= (x >>> 1) & 0x55555555; // popcount, SWAR
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        distance += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
      }
      distances[row] = distance;
      histogram[distance]++;
    }
    // The smallest distance threshold that admits `count` rows, then one pass to collect them.
    let threshold = 0;
    let below = 0;
    for (; threshold < maxDistance && below + histogram[threshold] < count; threshold++) below += histogram[threshold];
    let atThreshold = count - below;
    const picked: number[] = [];
    for (let row = 0; row < size && picked.length < count; row++) {
      const distance = distances[row];
      if (distance < threshold || (distance === threshold && distance < maxDistance && atThreshold-- > 0)) picked.push(this.chunkIds[row]);
    }
    return picked;
  }

  private grow() {
    const capacity = this.chunkIds.length * 2;
    const chunkIds = new Float64Array(capacity);
    const workspaceIds = new Float64Array(capacity);
    const words = new Uint32Array(capacity * this.wordsPerRow);
    chunkIds.set(this.chunkIds);
    workspaceIds.set(this.workspaceIds);
    words.set(this.words);
    this.chunkIds = chunkIds;
    this.workspaceIds = workspaceIds;
    this.words = words;
  }
}

const cache = new WeakMap<Db, Map<number, { dataVersion: number; index: SignatureIndex }>>();

const wordsPerRow = (dimension: number) => Math.ceil(dimension / 32);
const dataVersion = (db: Db) => db.pragma('data_version', { simple: true }) as number;

/** The signature vec_quantize_binary computes (bit i = value i > 0, least significant bit first), as 32-bit words. */
export function signatureOf(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(vector.length / 8));
  for (let i = 0; i < vector.length; i++) if (vector[i] > 0) bytes[i >> 3] |= 1 << (i & 7);
  return bytes;
}

export function signatureWords(signature: Uint8Array, dimension: number): Uint32Array {
  const words = new Uint32Array(wordsPerRow(dimension));
  new Uint8Array(words.buffer).set(signature);
  return words;
}

export function signatureIndexFor(db: Db, set: SignatureSource): SignatureIndex {
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  const version = dataVersion(db);
  const cached = perDb.get(set.id);
  if (cached?.dataVersion === version) return cached.index;
  const rows = db.prepare(`SELECT chunk_id AS chunkId, workspace_id AS workspaceId, signature FROM ${set.tableName}`).all() as {
    chunkId: number;
    workspaceId: number;
    signature: Buffer;
  }[];
  const index = new SignatureIndex(wordsPerRow(set.dimension), rows.length);
  for (const row of rows) index.upsert(row.chunkId, row.workspaceId, row.signature);
  perDb.set(set.id, { dataVersion: version, index });
  return index;
}

/** Applies this connection's writes to a loaded index (rows of a rolled-back write are dropped again by rescoring). */
export function recordSignatures(db: Db, setId: number, rows: { chunkId: number; workspaceId: number; vector: Float32Array }[]): void {
  const index = cache.get(db)?.get(setId)?.index;
  for (const row of rows) index?.upsert(row.chunkId, row.workspaceId, signatureOf(row.vector));
}

export function forgetSignatures(db: Db, setId: number, chunkIds: number[] | 'all'): void {
  if (chunkIds === 'all') return void cache.get(db)?.delete(setId);
  const index = cache.get(db)?.get(setId)?.index;
  for (const chunkId of chunkIds) index?.remove(chunkId);
}
