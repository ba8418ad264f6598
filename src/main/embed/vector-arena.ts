import { f32ToF16 } from '../lpu/loader/dequant';
import { arenaKernels, createArenaMemory, Q8_GROUP, WASM_PAGE, type ArenaKernels, type GrowableMemory } from './arena-kernels';
import { TopScores } from './top-scores';

// The hot vectors of one embedding set, resident as int8 rows in the LPU's weight format (W[N,K] int8 + per-32 binary16
// scales), scored against the query with the int8 matvec kernel (matmulQ8, M = 1). sqlite-vec stays the store of
// record: this is a copy that search ranks candidates with before rescoring them on the stored floats.
//
// Rows live in blocks of BLOCK_ROWS that belong to one inverted list. Up to IVF_MIN_ROWS rows there is one list and
// every query scans it all (~5 ms per 100k rows); above, spherical k-means centroids split the rows into lists and a
// query scans the lists whose centroids are nearest (clustered embeddings keep their neighbours in few lists).
// Rows are kept dense: a removed row is overwritten by its list's last row, and an emptied block is reused.

export const BLOCK_ROWS = 512;
/** Rows from which the arena is split into inverted lists (below it a full scan costs under ~3 ms). */
export const IVF_MIN_ROWS = 50_000;
const ROWS_PER_LIST = 1000;
const MAX_LISTS = 1024;
/** Lists scanned per query, as a fraction of all lists, and at least this many. */
export const PROBE_FRACTION = 1 / 16;
const MIN_PROBES = 8;
const KMEANS_ITERATIONS = 8;
const SAMPLE_PER_LIST = 48;
/** Rows quantised and assigned per kernel call while loading (scratch stays ~1.5 MB at 384 dimensions). */
const BATCH_ROWS = 256;
/** Per-row bookkeeping outside the memory: chunk id (f64), workspace id (f64), slot map entry (~16). */
export const ROW_OVERHEAD_BYTES = 32;

/** Inverted lists for a library of this many rows (1 = a flat scan). */
export const listsFor = (rows: number) => (rows < IVF_MIN_ROWS ? 1 : Math.min(MAX_LISTS, 2 ** Math.round(Math.log2(rows / ROWS_PER_LIST))));
/** How many sample vectors train() wants for a library of this many rows. */
export const trainingSampleSize = (rows: number) => (listsFor(rows) > 1 ? Math.min(rows, listsFor(rows) * SAMPLE_PER_LIST) : 0);

export interface ArenaRow {
  chunkId: number;
  workspaceId: number;
  vector: Float32Array;
}

export interface ArenaCandidate {
  chunkId: number;
  /** int8 estimate of the cosine similarity. */
  score: number;
}

interface Block {
  list: number;
  count: number;
  chunkIds: Float64Array; // (BLOCK_ROWS)
  workspaceIds: Float64Array; // (BLOCK_ROWS)
}

/** What a saved arena needs besides its bytes (arena-file.ts): the shape it was built with and where its rows sit. */
export interface ArenaLayout {
  dimension: number;
  blockRows: number;
  /** Byte offsets of the centroids and the first block, and one block's size: equal only for the same build of this file. */
  centroidW: number;
  blocksBase: number;
  blockBytes: number;
  lists: number[][];
  blocks: { list: number; count: number }[];
  freeBlocks: number[];
}

export class VectorArena {
  readonly groups: number;
  private readonly blockBytes: number;
  private memory: GrowableMemory;
  private kernels: ArenaKernels;
  private kernelBufferBytes: number;
  // Scratch, carved once: x f32[BATCH, K], xq int8[BATCH, K], xs f32[BATCH, K/32], out f32[BATCH, max(L, BLOCK_ROWS)]
  private readonly x: number;
  private readonly xq: number;
  private readonly xs: number;
  private readonly out: number;
  // Centroids: W int8[MAX_LISTS, K], S binary16[MAX_LISTS, K/32]
  private readonly centroidW: number;
  private readonly centroidS: number;
  private readonly blocksBase: number;
  private blocks: Block[] = [];
  private readonly freeBlocks: number[] = [];
  private lists: number[][] = [[]];
  private readonly slotOf = new Map<number, number>(); // chunk id → block · BLOCK_ROWS + row
  private readonly rowsByWorkspace = new Map<number, number>();
  /** Fraction of the lists a query scans (recall against time). */
  probeFraction = PROBE_FRACTION;
  /** Bumped by every change to the rows: a save written over several turns checks it stayed the same. */
  revision = 0;

  constructor(readonly dimension: number) {
    if (dimension % Q8_GROUP !== 0) throw new Error(`The vector arena needs a dimension divisible by ${Q8_GROUP}, not ${dimension}.`);
    this.groups = dimension / Q8_GROUP;
    this.blockBytes = align(BLOCK_ROWS * (dimension + 2 * this.groups));
    let offset = 0;
    const carve = (bytes: number) => ((offset = align(offset)), (offset += bytes) - bytes);
    this.x = carve(BATCH_ROWS * dimension * 4);
    this.xq = carve(BATCH_ROWS * dimension);
    this.xs = carve(BATCH_ROWS * this.groups * 4);
    this.out = carve(BATCH_ROWS * Math.max(MAX_LISTS, BLOCK_ROWS) * 4);
    this.centroidW = carve(MAX_LISTS * dimension);
    this.centroidS = carve(MAX_LISTS * this.groups * 2);
    this.blocksBase = align(offset);
    this.memory = createArenaMemory(this.blocksBase + this.blockBytes);
    this.kernels = arenaKernels(this.memory);
    this.kernelBufferBytes = this.memory.buffer.byteLength;
  }

  get size(): number {
    return this.slotOf.size;
  }

  get listCount(): number {
    return this.lists.length;
  }

  get kernelName(): string {
    return this.kernels.name;
  }

  /** Bytes this arena holds resident: its memory plus per-row bookkeeping. */
  residentBytes(): number {
    return this.memory.buffer.byteLength + this.blocks.length * BLOCK_ROWS * 16 + this.slotOf.size * ROW_OVERHEAD_BYTES;
  }

  /** Bytes one row costs (int8 vector, scales, bookkeeping): what a workspace's rows cost resident. */
  bytesPerRow(): number {
    return this.dimension + 2 * this.groups + ROW_OVERHEAD_BYTES;
  }

  rowsOf(workspaceId: number): number {
    return this.rowsByWorkspace.get(workspaceId) ?? 0;
  }

  has(chunkId: number): boolean {
    return this.slotOf.has(chunkId);
  }

  /**
   * Trains inverted lists on a sample of the rows to come, when there will be enough of them; call before the first
   * upsert. Spherical k-means: centroids are normalised means, rows go to the centroid of largest cosine.
   */
  train(sample: Float32Array[], expectedRows: number, lists = listsFor(expectedRows)): void {
    const steps = this.training(sample, expectedRows, lists);
    while (!steps.next().done) continue;
  }

  /** train() in steps of one kernel batch, so a background load can yield to the event loop between them. */
  *training(sample: Float32Array[], expectedRows: number, lists = listsFor(expectedRows)): Generator<void> {
    if (this.size > 0) throw new Error('The vector arena trains its lists before it holds rows.');
    const listCount = Math.min(lists, sample.length);
    if (listCount < 2) return;
    const K = this.dimension;
    const centroids = Array.from({ length: listCount }, (_, i) => normalised(sample[Math.floor((i * sample.length) / listCount)]));
    const assignment = new Int32Array(sample.length);
    for (let iteration = 0; iteration < KMEANS_ITERATIONS; iteration++) {
      this.storeCentroids(centroids);
      this.lists = centroids.map(() => []);
      for (let start = 0; start < sample.length; start += BATCH_ROWS) {
        const batch = sample.slice(start, start + BATCH_ROWS);
        this.quantizeBatch(batch);
        this.nearestLists(batch.length).forEach((list, i) => (assignment[start + i] = list));
        yield;
      }
      const sums = centroids.map(() => new Float64Array(K));
      const counts = new Int32Array(listCount);
      for (let i = 0; i < sample.length; i++) {
        const sum = sums[assignment[i]];
        counts[assignment[i]]++;
        const unit = normalised(sample[i]);
        for (let d = 0; d < K; d++) sum[d] += unit[d];
        if (i % BATCH_ROWS === BATCH_ROWS - 1) yield;
      }
      // An empty list restarts from a sample row far down the order, so every list ends up holding rows.
      sums.forEach((sum, list) => (centroids[list] = counts[list] ? normalised(Float32Array.from(sum)) : normalised(sample[(list * 7919 + iteration) % sample.length])));
    }
    this.storeCentroids(centroids);
    this.lists = centroids.map(() => []);
  }

  /** Adds rows, or replaces the vector of chunks already held. */
  upsert(rows: ArenaRow[]): void {
    this.revision++;
    const K = this.dimension;
    const G = this.groups;
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.slice(start, start + BATCH_ROWS);
      for (const row of batch) this.remove(row.chunkId);
      this.quantizeBatch(batch.map((row) => normalised(row.vector)));
      const lists = this.lists.length > 1 ? this.nearestLists(batch.length) : new Int32Array(batch.length);
      const slots = Int32Array.from(lists, (list) => this.appendSlot(list)); // may grow the memory: views after this
      const u8 = new Uint8Array(this.memory.buffer);
      const u16 = new Uint16Array(this.memory.buffer);
      const xs = new Float32Array(this.memory.buffer, this.xs, batch.length * G);
      batch.forEach((row, i) => {
        const blockIndex = (slots[i] / BLOCK_ROWS) | 0;
        const r = slots[i] % BLOCK_ROWS;
        const base = this.blockPtr(blockIndex);
        u8.copyWithin(base + r * K, this.xq + i * K, this.xq + (i + 1) * K);
        const scales = (base + BLOCK_ROWS * K + r * G * 2) >> 1;
        for (let g = 0; g < G; g++) u16[scales + g] = f32ToF16(xs[i * G + g]);
        const block = this.blocks[blockIndex];
        block.chunkIds[r] = row.chunkId;
        block.workspaceIds[r] = row.workspaceId;
        this.slotOf.set(row.chunkId, slots[i]);
        this.rowsByWorkspace.set(row.workspaceId, this.rowsOf(row.workspaceId) + 1);
      });
    }
  }

  /** Drops a chunk's row; its list's last row moves into the hole so blocks stay dense. */
  remove(chunkId: number): void {
    const slot = this.slotOf.get(chunkId);
    if (slot === undefined) return;
    this.revision++;
    const blockIndex = (slot / BLOCK_ROWS) | 0;
    const r = slot % BLOCK_ROWS;
    const block = this.blocks[blockIndex];
    const list = this.lists[block.list];
    const tailIndex = list[list.length - 1];
    const tail = this.blocks[tailIndex];
    const last = tail.count - 1;
    const workspaceId = block.workspaceIds[r];
    const left = this.rowsOf(workspaceId) - 1;
    if (left > 0) this.rowsByWorkspace.set(workspaceId, left);
    else this.rowsByWorkspace.delete(workspaceId);
    this.slotOf.delete(chunkId);
    if (tailIndex !== blockIndex || last !== r) {
      const u8 = new Uint8Array(this.memory.buffer);
      const from = this.blockPtr(tailIndex);
      const to = this.blockPtr(blockIndex);
      u8.copyWithin(to + r * this.dimension, from + last * this.dimension, from + (last + 1) * this.dimension);
      const scaleBytes = this.groups * 2;
      const scalesAt = BLOCK_ROWS * this.dimension;
      u8.copyWithin(to + scalesAt + r * scaleBytes, from + scalesAt + last * scaleBytes, from + scalesAt + (last + 1) * scaleBytes);
      block.chunkIds[r] = tail.chunkIds[last];
      block.workspaceIds[r] = tail.workspaceIds[last];
      this.slotOf.set(block.chunkIds[r], blockIndex * BLOCK_ROWS + r);
    }
    tail.count--;
    if (tail.count === 0) this.freeBlocks.push(list.pop()!);
  }

  /**
   * The `count` rows of highest int8 score for the query, best first, only `workspaceId`'s when given. Lists are scanned
   * nearest centroid first: at least the probe quota, and on until `count` rows of the workspace were seen.
   */
  nearest(query: Float32Array, count: number, workspaceId?: number): ArenaCandidate[] {
    if (query.length !== this.dimension || count <= 0 || this.size === 0) return [];
    if (workspaceId !== undefined && this.rowsOf(workspaceId) === 0) return [];
    this.quantizeBatch([query]);
    const order = this.lists.length > 1 ? this.listsByScore() : [0];
    const probes = Math.max(MIN_PROBES, Math.ceil(this.lists.length * this.probeFraction));
    const top = new TopScores(count);
    let seen = 0;
    for (let p = 0; p < order.length && (p < probes || seen < count); p++) {
      for (const blockIndex of this.lists[order[p]]) {
        const block = this.blocks[blockIndex];
        const base = this.blockPtr(blockIndex);
        this.kernel().matmulQ8(this.out, this.xq, this.xs, base, base + BLOCK_ROWS * this.dimension, 1, this.dimension, block.count, 0, block.count);
        const scores = new Float32Array(this.memory.buffer, this.out, block.count);
        for (let r = 0; r < block.count; r++) {
          if (workspaceId !== undefined && block.workspaceIds[r] !== workspaceId) continue;
          seen++;
          top.offer(scores[r], block.chunkIds[r]);
        }
      }
    }
    return top.sorted().map(({ score, id }) => ({ chunkId: id, score }));
  }

  /** The lists and blocks as they stand, for a save; the bytes to save are storedBytes(), the ids blockIds(). */
  layout(): ArenaLayout {
    return {
      dimension: this.dimension,
      blockRows: BLOCK_ROWS,
      centroidW: this.centroidW,
      blocksBase: this.blocksBase,
      blockBytes: this.blockBytes,
      lists: this.lists.map((list) => [...list]),
      blocks: this.blocks.map(({ list, count }) => ({ list, count })),
      freeBlocks: [...this.freeBlocks],
    };
  }

  /** The centroids and every block (int8 rows and their scales), one range of the memory; a view, not a copy. */
  storedBytes(from = 0, length = this.blockPtr(this.blocks.length) - this.centroidW - from): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.centroidW + from, length);
  }

  /** Each block's chunk ids then each block's workspace ids (BLOCK_ROWS apiece, unused rows included). */
  blockIds(): Float64Array {
    const ids = new Float64Array(2 * this.blocks.length * BLOCK_ROWS);
    this.blocks.forEach((block, i) => {
      ids.set(block.chunkIds, i * BLOCK_ROWS);
      ids.set(block.workspaceIds, (this.blocks.length + i) * BLOCK_ROWS);
    });
    return ids;
  }

  /**
   * An arena with a saved layout, its memory grown to hold it; the caller fills storedBytes() and then calls adoptIds.
   * Undefined when the layout was saved by a build that carves its memory differently.
   */
  static withLayout(layout: ArenaLayout): VectorArena | undefined {
    const arena = new VectorArena(layout.dimension);
    if (layout.blockRows !== BLOCK_ROWS || layout.centroidW !== arena.centroidW || layout.blocksBase !== arena.blocksBase || layout.blockBytes !== arena.blockBytes) return undefined;
    const needed = arena.blockPtr(layout.blocks.length);
    const have = arena.memory.buffer.byteLength;
    if (needed > have) arena.memory.grow(Math.ceil((needed - have) / WASM_PAGE));
    arena.blocks = layout.blocks.map(({ list, count }) => ({ list, count, chunkIds: new Float64Array(BLOCK_ROWS), workspaceIds: new Float64Array(BLOCK_ROWS) }));
    arena.lists = layout.lists.map((list) => [...list]);
    arena.freeBlocks.push(...layout.freeBlocks);
    return arena;
  }

  /** Takes the ids saved by blockIds() and indexes the rows they name. */
  adoptIds(ids: Float64Array): void {
    const n = this.blocks.length;
    if (ids.length !== 2 * n * BLOCK_ROWS) throw new Error(`The saved arena holds ids for ${ids.length / (2 * BLOCK_ROWS)} blocks, not ${n}.`);
    this.blocks.forEach((block, i) => {
      block.chunkIds.set(ids.subarray(i * BLOCK_ROWS, (i + 1) * BLOCK_ROWS));
      block.workspaceIds.set(ids.subarray((n + i) * BLOCK_ROWS, (n + i + 1) * BLOCK_ROWS));
    });
    const free = new Set(this.freeBlocks);
    this.blocks.forEach((block, i) => {
      if (free.has(i)) return;
      for (let r = 0; r < block.count; r++) {
        this.slotOf.set(block.chunkIds[r], i * BLOCK_ROWS + r);
        this.rowsByWorkspace.set(block.workspaceIds[r], this.rowsOf(block.workspaceIds[r]) + 1);
      }
    });
  }

  /** Writes rows to x and quantises them into xq/xs with the kernel (per-32 groups, as the LPU quantises activations). */
  private quantizeBatch(vectors: Float32Array[]): void {
    const x = new Float32Array(this.memory.buffer, this.x, vectors.length * this.dimension);
    for (let i = 0; i < vectors.length; i++) x.set(vectors[i], i * this.dimension);
    this.kernel().quantizeRowsQ8(this.xq, this.xs, this.x, vectors.length, this.dimension);
  }

  /** The list whose centroid scores highest for each quantised row in xq/xs. */
  private nearestLists(rows: number): Int32Array {
    const L = this.lists.length;
    this.kernel().matmulQ8(this.out, this.xq, this.xs, this.centroidW, this.centroidS, rows, this.dimension, L, 0, L);
    const out = new Float32Array(this.memory.buffer, this.out, rows * L);
    const best = new Int32Array(rows);
    for (let m = 0; m < rows; m++) {
      let pick = 0;
      for (let l = 1; l < L; l++) if (out[m * L + l] > out[m * L + pick]) pick = l;
      best[m] = pick;
    }
    return best;
  }

  /** List indices, nearest centroid to the quantised query first. */
  private listsByScore(): number[] {
    const L = this.lists.length;
    this.kernel().matmulQ8(this.out, this.xq, this.xs, this.centroidW, this.centroidS, 1, this.dimension, L, 0, L);
    const scores = new Float32Array(this.memory.buffer, this.out, L).slice();
    return Array.from({ length: L }, (_, l) => l).sort((a, b) => scores[b] - scores[a]);
  }

  private storeCentroids(centroids: Float32Array[]): void {
    for (let start = 0; start < centroids.length; start += BATCH_ROWS) {
      const batch = centroids.slice(start, start + BATCH_ROWS);
      this.quantizeBatch(batch);
      const buffer = this.memory.buffer;
      const K = this.dimension;
      new Uint8Array(buffer, this.centroidW + start * K, batch.length * K).set(new Uint8Array(buffer, this.xq, batch.length * K));
      const xs = new Float32Array(buffer, this.xs, batch.length * this.groups);
      const scales = new Uint16Array(buffer, this.centroidS + start * this.groups * 2, batch.length * this.groups);
      for (let i = 0; i < xs.length; i++) scales[i] = f32ToF16(xs[i]);
    }
  }

  /** A free row at the end of a list, taking a new block (reused or grown) when its last one is full. */
  private appendSlot(listIndex: number): number {
    const list = this.lists[listIndex];
    let blockIndex = list[list.length - 1];
    if (blockIndex === undefined || this.blocks[blockIndex].count === BLOCK_ROWS) {
      blockIndex = this.freeBlocks.pop() ?? this.newBlock();
      this.blocks[blockIndex].list = listIndex;
      list.push(blockIndex);
    }
    const block = this.blocks[blockIndex];
    return blockIndex * BLOCK_ROWS + block.count++;
  }

  private newBlock(): number {
    const index = this.blocks.length;
    const needed = this.blockPtr(index) + this.blockBytes;
    const have = this.memory.buffer.byteLength;
    // Grow by at least an eighth so a large load does not grow block by block.
    if (needed > have) this.memory.grow(Math.ceil(Math.max(needed - have, have / 8) / WASM_PAGE));
    this.blocks.push({ list: 0, count: 0, chunkIds: new Float64Array(BLOCK_ROWS), workspaceIds: new Float64Array(BLOCK_ROWS) });
    return index;
  }

  private blockPtr(index: number): number {
    return this.blocksBase + index * this.blockBytes;
  }

  /** The kernels bound to the memory as it is now (the TS oracle keeps views, so a grown memory needs a new set). */
  private kernel(): ArenaKernels {
    if (this.memory.buffer.byteLength !== this.kernelBufferBytes) {
      this.kernels = arenaKernels(this.memory);
      this.kernelBufferBytes = this.memory.buffer.byteLength;
    }
    return this.kernels;
  }
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

function normalised(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += vector[d] * vector[d];
  norm = Math.sqrt(norm) || 1;
  const unit = new Float32Array(vector.length);
  for (let d = 0; d < vector.length; d++) unit[d] = vector[d] / norm;
  return unit;
}
