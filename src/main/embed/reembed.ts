import type { Db } from '../store/db';
import type { Embedder } from './embedder';
import {
  chunksMissingVectors,
  completeVectorSet,
  countChunksMissingVectors,
  findVectorSet,
  pruneOrphanVectors,
  writeVectorsToSet,
  type VectorSet,
} from './vector-store';

/** Chunks embedded and written per transaction: progress stays fine-grained and a stop loses at most one batch. */
const REEMBED_BATCH = 64;

export interface ReembedProgress {
  modelId: string;
  dimension: number;
  /** Chunks that have a vector in the new set. */
  done: number;
  total: number;
  startedAt: number;
  /** Seconds left at the rate measured so far, null until a batch finished. */
  etaSeconds: number | null;
}

/**
 * Fills a 'building' set with vectors for every chunk that lacks one, then marks it complete (retiring older sets).
 * Resumable by construction: it always works from "chunks without a vector", so a restart continues where it stopped.
 */
export async function reembedChunks(
  db: Db,
  set: VectorSet,
  embedder: Embedder,
  onProgress: (progress: ReembedProgress) => void,
  signal: AbortSignal,
): Promise<VectorSet> {
  pruneOrphanVectors(db, set);
  const startedAt = Date.now();
  const alreadyDone = () => findVectorSet(db, set.modelId, set.dimension)?.chunkCount ?? 0;
  const initialDone = alreadyDone();
  const report = () => {
    const done = alreadyDone();
    const total = done + countChunksMissingVectors(db, set);
    const elapsed = (Date.now() - startedAt) / 1000;
    const rate = (done - initialDone) / Math.max(elapsed, 1e-3);
    const etaSeconds = done > initialDone ? Math.round((total - done) / rate) : null;
    onProgress({ modelId: set.modelId, dimension: set.dimension, done, total, startedAt, etaSeconds });
  };
  report();
  for (;;) {
    signal.throwIfAborted();
    const batch = chunksMissingVectors(db, set, REEMBED_BATCH);
    if (batch.length === 0) break;
    const vectors = await embedder.embedPassages(batch.map((chunk) => chunk.text), signal);
    db.transaction(() => {
      // Chunks deleted while their batch was being embedded are skipped, not resurrected.
      const live = new Set(
        (db.prepare('SELECT id FROM chunks WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(batch.map((c) => c.id))) as { id: number }[]).map(
          (row) => row.id,
        ),
      );
      const keep = batch.map((chunk, i) => ({ id: chunk.id, vector: vectors[i] })).filter((entry) => live.has(entry.id));
      const current = findVectorSet(db, set.modelId, set.dimension);
      if (!current) throw new Error(`embedding set ${set.id} disappeared during re-embedding`);
      writeVectorsToSet(db, current, keep.map((entry) => entry.id), keep.map((entry) => entry.vector));
    }).immediate();
    report();
  }
  return completeVectorSet(db, findVectorSet(db, set.modelId, set.dimension)!);
}
