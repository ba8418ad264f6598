import type { Db } from '../store/db';

// The 1-bit signatures of a large vector set, held in memory for a Hamming-distance pre-selection.
// sqlite-vec's own bit KNN keeps its top k sorted by insertion, so it costs ~10 ms at k=100 and ~40 ms at k=400 over
// 100k rows; this scan costs ~2 ms for any k, so many more candidates can be rescored exactly (better recall).
// The vec0 table stays the store of record: the index is rebuilt from it whenever the set may have changed.

export interface SignatureSource {
  id: number;
  tableName: string;
  dimension: number;
}

class SignatureIndex {
  constructor(
    /** (rows) */ readonly chunkIds: Float64Array,
    /** (rows) */ readonly workspaceIds: Float64Array,
    /** (rows, wordsPerRow) packed signature bits */ readonly words: Uint32Array,
    readonly wordsPerRow: number,
  ) {}

  get size(): number {
    return this.chunkIds.length;
  }

  /** Chunk ids of the `count` signatures closest to the query's (ties broken by storage order). */
  nearest(query: Uint32Array, count: number, workspaceId?: number): number[] {
    const { size, wordsPerRow, words } = this;
    const maxDistance = wordsPerRow * 32 + 1;
    const distances = new Uint16Array(size); // (rows)
    const histogram = new Uint32Array(maxDistance + 1); // (distance)
    for (let row = 0; row < size; row++) {
      if (workspaceId !== undefined && this.workspaceIds[row] !== workspaceId) {
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
    for (let seen = 0; threshold < maxDistance && seen + histogram[threshold] < count; threshold++) seen += histogram[threshold];
    let atThreshold = count - histogram.subarray(0, threshold).reduce((a, b) => a + b, 0);
    const picked: number[] = [];
    for (let row = 0; row < size && picked.length < count; row++) {
      const distance = distances[row];
      if (distance < threshold || (distance === threshold && distance < maxDistance && atThreshold-- > 0)) picked.push(this.chunkIds[row]);
    }
    return picked;
  }
}

/** Bumped by every vector write of this process; other connections' commits show up in PRAGMA data_version. */
const writeGenerations = new WeakMap<Db, number>();
const cache = new WeakMap<Db, Map<number, { stamp: string; index: SignatureIndex }>>();

export function noteVectorWrite(db: Db, retiredSetId?: number): void {
  writeGenerations.set(db, (writeGenerations.get(db) ?? 0) + 1);
  if (retiredSetId !== undefined) cache.get(db)?.delete(retiredSetId);
}

/** Packs a vec_quantize_binary blob into 32-bit words, as the index stores rows. */
export function signatureWords(blob: Uint8Array, wordsPerRow: number, into = new Uint32Array(wordsPerRow), row = 0): Uint32Array {
  new Uint8Array(into.buffer, into.byteOffset + row * wordsPerRow * 4, blob.length).set(blob);
  return into;
}

export function signatureIndexFor(db: Db, set: SignatureSource): SignatureIndex {
  const stamp = `${db.pragma('data_version', { simple: true })}:${writeGenerations.get(db) ?? 0}`;
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  const cached = perDb.get(set.id);
  if (cached?.stamp === stamp) return cached.index;
  const rows = db.prepare(`SELECT chunk_id AS chunkId, workspace_id AS workspaceId, signature FROM ${set.tableName}`).all() as {
    chunkId: number;
    workspaceId: number;
    signature: Buffer;
  }[];
  const wordsPerRow = Math.ceil(set.dimension / 32);
  const words = new Uint32Array(rows.length * wordsPerRow);
  const chunkIds = new Float64Array(rows.length);
  const workspaceIds = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    chunkIds[i] = row.chunkId;
    workspaceIds[i] = row.workspaceId;
    signatureWords(row.signature, wordsPerRow, words, i);
  });
  const index = new SignatureIndex(chunkIds, workspaceIds, words, wordsPerRow);
  perDb.set(set.id, { stamp, index });
  return index;
}
