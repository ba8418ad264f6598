import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import { completeVectorSet, createVectorSet, deleteVectorsForChunks, findVectorSet, nearestChunks, writeVectorsToSet, type VectorSet } from '../../../src/main/embed/vector-store';
import { coldRowCounts } from '../../../src/main/embed/cold-vectors';
import { cancelArenaLoads, loadedArena, warmArena } from '../../../src/main/embed/hot-vectors';
import { WorkspaceTiers, type TierMove } from '../../../src/main/embed/tiers';
import { clusteredVectors } from '../../fixtures/embed/clustered-vectors';

const DIM = 128;
const ARCHIVE_CHUNKS = 8000;
const DEFAULT_CHUNKS = 2000;

describe('hot and cold workspaces', () => {
  let dataDir: string;
  let db: Db;
  let archive: number;
  let tiers: WorkspaceTiers;
  const source = clusteredVectors(DIM, { clusters: 40, seed: 11 });
  const vectors = new Map<number, Float32Array>();
  const insertDoc = (workspaceId: number, name: string) =>
    Number(
      db
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (?, ?, ?, 'text', ?, 0, 'indexed', 0, 0)`)
        .run(workspaceId, `/${name}`, name, name).lastInsertRowid,
    );
  const insertChunks = (documentId: number, count: number) => {
    const insert = db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end) VALUES (?, ?, 'x', 1, 1, 1, 0, 1)`);
    return Array.from({ length: count }, (_, i) => Number(insert.run(documentId, i).lastInsertRowid));
  };
  const current = (): VectorSet => findVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIM)!;
  const addVectors = (ids: number[]) => {
    const fresh = ids.map((id) => {
      const vector = source.next();
      vectors.set(id, vector);
      return vector;
    });
    writeVectorsToSet(db, current(), ids, fresh);
  };

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-tiers-'));
    db = openStore(dataDir);
    archive = Number(db.prepare(`INSERT INTO workspaces (name, created_at) VALUES ('Archive', 0)`).run().lastInsertRowid);
    const defaultChunks = insertChunks(insertDoc(1, 'notes'), DEFAULT_CHUNKS);
    const archiveChunks = insertChunks(insertDoc(archive, 'old'), ARCHIVE_CHUNKS);
    createVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIM);
    addVectors([...defaultChunks, ...archiveChunks]);
    completeVectorSet(db, current());
    tiers = new WorkspaceTiers(db);
  });
  afterEach(async () => {
    await tiers.close();
    await cancelArenaLoads(db);
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('moving a workspace to cold empties its share of the arena and keeps its search results', async () => {
    const queries = Array.from({ length: 20 }, () => source.query());
    await warmArena(db, current()); // searches through the arena, not the exact path that serves while it loads
    const before = queries.map((q) => nearestChunks(db, current(), q, 10, { workspaceId: archive }).map((h) => h.chunkId));
    const arenaBefore = loadedArena(db, current().id)!;
    const bytesBefore = arenaBefore.residentBytes();
    expect(arenaBefore.rowsOf(archive)).toBe(ARCHIVE_CHUNKS);
    expect(tiers.info(archive)).toMatchObject({ tier: 'hot', pin: 'auto', hotChunks: ARCHIVE_CHUNKS, coldChunks: 0, diskSavedBytes: 0 });

    const progress: (TierMove | null)[] = [];
    tiers.onProgress((workspaceId, move) => workspaceId === archive && progress.push(move));
    expect(tiers.pin(archive, 'cold')).toMatchObject({ pin: 'cold', target: 'cold', tier: 'cold' });
    await tiers.whenIdle();

    expect(tiers.tierOf(archive)).toBe('cold');
    expect(tiers.tierOf(1)).toBe('hot');
    const info = tiers.info(archive);
    expect(info).toMatchObject({ tier: 'cold', hotChunks: 0, coldChunks: ARCHIVE_CHUNKS, residentBytes: 0, move: null });
    // float32 + 1-bit signature (4·128 + 16 bytes) against int8 (128 bytes) per vector
    expect(info.diskSavedBytes).toBe(ARCHIVE_CHUNKS * (4 * DIM + DIM / 8 - DIM));
    expect((db.prepare(`SELECT COUNT(*) AS n FROM ${current().tableName}`).get() as { n: number }).n).toBe(DEFAULT_CHUNKS);

    await warmArena(db, current()); // the move may have dropped an oversized arena for a rebuild
    const after = queries.map((q) => nearestChunks(db, current(), q, 10, { workspaceId: archive }).map((h) => h.chunkId));
    expect(after).toEqual(before);
    // Measured: the arena rebuilt without the archive holds at most its bytes less 70% of the archive's rows.
    const arenaAfter = loadedArena(db, current().id)!;
    expect(arenaAfter.rowsOf(archive)).toBe(0);
    expect(arenaAfter.residentBytes()).toBeLessThan(bytesBefore - 0.7 * ARCHIVE_CHUNKS * arenaBefore.bytesPerRow());

    const moves = progress.filter((m): m is TierMove => m !== null);
    expect(moves.length).toBeGreaterThan(2);
    expect(moves.every((m, i) => i === 0 || m.done >= moves[i - 1].done)).toBe(true);
    expect(moves.at(-1)).toMatchObject({ to: 'cold', done: ARCHIVE_CHUNKS, total: ARCHIVE_CHUNKS, reverting: false });
    expect(progress.at(-1)).toBeNull();
    expect(db.prepare(`SELECT state, json_extract(progress_json, '$.done') AS done FROM jobs WHERE kind = 'tier_move'`).get()).toEqual({ state: 'done', done: ARCHIVE_CHUNKS });

    // Unfiltered searches see both stores; back to hot restores the arena's rows.
    const archived = [...vectors.keys()].at(-1)!;
    expect(nearestChunks(db, current(), vectors.get(archived)!, 1)[0].chunkId).toBe(archived);
    tiers.pin(archive, 'hot');
    await tiers.whenIdle();
    expect(tiers.info(archive)).toMatchObject({ tier: 'hot', hotChunks: ARCHIVE_CHUNKS, coldChunks: 0 });
    expect(queries.map((q) => nearestChunks(db, current(), q, 10, { workspaceId: archive }).map((h) => h.chunkId))).toEqual(before);
    expect(loadedArena(db, current().id)!.rowsOf(archive)).toBe(ARCHIVE_CHUNKS);
  });

  it('writes new vectors of a cold workspace to the cold store and deletes them from it', async () => {
    tiers.pin(archive, 'cold');
    await tiers.whenIdle();
    const added = insertChunks(insertDoc(archive, 'new'), 3);
    addVectors(added);
    expect(coldRowCounts(db, current()).get(archive)).toBe(ARCHIVE_CHUNKS + 3);
    expect(nearestChunks(db, current(), vectors.get(added[1])!, 1, { workspaceId: archive })[0]).toMatchObject({ chunkId: added[1] });
    deleteVectorsForChunks(db, added);
    expect(coldRowCounts(db, current()).get(archive)).toBe(ARCHIVE_CHUNKS);
    expect(nearestChunks(db, current(), vectors.get(added[1])!, 5, { workspaceId: archive }).map((h) => h.chunkId)).not.toContain(added[1]);
  });

  it('cancelling a move puts the moved rows back, so the workspace stays whole where it was', async () => {
    let cancelled: Promise<boolean> | undefined;
    const seen: TierMove[] = [];
    tiers.onProgress((_, move) => {
      if (!move) return;
      seen.push({ ...move });
      if (move.done > 0 && !cancelled) cancelled = tiers.cancel(archive);
    });
    tiers.pin(archive, 'cold');
    await tiers.whenIdle();
    expect(await cancelled).toBe(true);
    expect(seen.some((m) => m.to === 'cold' && m.done > 0 && m.done < ARCHIVE_CHUNKS)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ to: 'hot', reverting: true, done: ARCHIVE_CHUNKS });
    expect(tiers.info(archive)).toMatchObject({ tier: 'hot', hotChunks: ARCHIVE_CHUNKS, coldChunks: 0 });
    expect(coldRowCounts(db, current()).get(archive) ?? 0).toBe(0);
    expect(db.prepare(`SELECT state FROM jobs WHERE kind = 'tier_move'`).get()).toEqual({ state: 'cancelled' });
  });

  it('auto follows use: a workspace asked about lately is hot, one idle for the window is cold', () => {
    const now = Date.now();
    const thread = Number(db.prepare(`INSERT INTO threads (workspace_id, title, created_at, updated_at) VALUES (1, 't', ?, ?)`).run(now, now).lastInsertRowid);
    db.prepare(`INSERT INTO messages (thread_id, role, content, created_at) VALUES (?, 'user', 'q', ?)`).run(thread, now - 3_600_000);
    const byId = new Map(tiers.list().map((info) => [info.workspaceId, info]));
    expect(byId.get(1)).toMatchObject({ pin: 'auto', target: 'hot', recentQuestions: 1 });
    expect(byId.get(archive)).toMatchObject({ pin: 'auto', target: 'cold', recentQuestions: 0 });
  });
});
