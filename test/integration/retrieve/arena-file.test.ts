import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import { completeVectorSet, createVectorSet, findVectorSet, nearestChunks, writeVectorsToSet, type VectorSet } from '../../../src/main/embed/vector-store';
import { arenaSaved, cancelArenaLoads, hotSearchCounts, saveArenaNow, warmArena, warmHotArenas } from '../../../src/main/embed/hot-vectors';
import { arenaFilePath, readArena, saveArena } from '../../../src/main/embed/arena-file';
import { VectorArena } from '../../../src/main/embed/vector-arena';
import { clusteredVectors } from '../../fixtures/embed/clustered-vectors';

// The arena saved beside the database: read back it scores every query exactly as the arena that was saved (same
// candidates, same int8 scores), a later start of the same vector_version reads it instead of rebuilding, and a
// write to the vectors makes it stale, so the next start rebuilds (and saves the new arena over it).

const DIM = 64;
const COUNT = 3000;
const never = () => false;

describe('saved vector arena', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-arena-file-'));
  const source = clusteredVectors(DIM, { clusters: 30, seed: 11 });
  const vectors: Float32Array[] = [];
  let db: Db;
  const current = (connection: Db): VectorSet => findVectorSet(connection, 'Xenova/all-MiniLM-L6-v2', DIM)!;
  const addChunk = (connection: Db) => {
    const documentId = Number(
      connection
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, 'n', 'text', ?, 0, 'indexed', 0, 0)`)
        .run(`/n${Math.random()}`, `n${Math.random()}`).lastInsertRowid,
    );
    return Number(connection.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end) VALUES (?, 0, 'x', 1, 1, 1, 0, 1)`).run(documentId).lastInsertRowid);
  };

  beforeAll(() => {
    db = openStore(dataDir);
    const ids = db.transaction(() => Array.from({ length: COUNT }, () => addChunk(db)))();
    createVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIM);
    for (let i = 0; i < COUNT; i++) vectors.push(source.next());
    writeVectorsToSet(db, current(db), ids, vectors);
    completeVectorSet(db, current(db));
  });
  afterAll(async () => {
    if (db.open) {
      await cancelArenaLoads(db);
      db.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads back an arena with inverted lists, holes and two workspaces that ranks exactly as the one saved', async () => {
    const arena = new VectorArena(DIM);
    arena.train(vectors.slice(0, 800), COUNT, 8);
    arena.upsert(vectors.map((vector, i) => ({ chunkId: i + 1, workspaceId: 1 + (i % 2), vector })));
    for (let id = 1; id <= COUNT; id += 3) arena.remove(id); // holes, moved rows and freed blocks
    const file = path.join(dataDir, 'unit.arena');
    const key = { setId: 9, createdAt: 123, version: 4 };
    expect(await saveArena(file, key, arena, never)).toBe(true);

    const restored = (await readArena(file, key, never))!;
    expect(restored.size).toBe(arena.size);
    expect(restored.listCount).toBe(8);
    expect([restored.rowsOf(1), restored.rowsOf(2)]).toEqual([arena.rowsOf(1), arena.rowsOf(2)]);
    for (let q = 0; q < 20; q++) {
      const query = source.query();
      expect(restored.nearest(query, 10)).toEqual(arena.nearest(query, 10));
      expect(restored.nearest(query, 5, 2)).toEqual(arena.nearest(query, 5, 2));
    }
    // Another version or set is not this file's contents.
    expect(await readArena(file, { ...key, version: 5 }, never)).toBeUndefined();
    expect(await readArena(file, { ...key, setId: 10 }, never)).toBeUndefined();
    expect(await readArena(path.join(dataDir, 'missing.arena'), key, never)).toBeUndefined();
  });

  it('gives up a save when the arena changes meanwhile, leaving no file', async () => {
    const arena = new VectorArena(DIM);
    arena.upsert(vectors.slice(0, 500).map((vector, i) => ({ chunkId: i + 1, workspaceId: 1, vector })));
    const file = path.join(dataDir, 'changed.arena');
    const saving = saveArena(file, { setId: 1, createdAt: 1, version: 1 }, arena, never);
    arena.remove(1);
    expect(await saving).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('is read on the next start of the same version, and rebuilt after the vectors change', async () => {
    const set = current(db);
    await warmArena(db, set);
    await arenaSaved(db, set.id);
    expect(existsSync(arenaFilePath(db.name, set.id))).toBe(true);
    expect(hotSearchCounts(db)).toMatchObject({ loads: 1, restored: 0 });

    const second = openStore(dataDir);
    try {
      const arena = (await warmArena(second, current(second)))!;
      expect(hotSearchCounts(second)).toMatchObject({ loads: 1, restored: 1 });
      expect(arena.size).toBe(COUNT);
      const query = source.query();
      expect(nearestChunks(second, current(second), query, 10)).toEqual(nearestChunks(db, current(db), query, 10));

      // A write moves vector_version: the saved file is stale, so the next start rebuilds from the tables.
      const fresh = source.next();
      const chunkId = addChunk(second);
      writeVectorsToSet(second, current(second), [chunkId], [fresh]);
      const third = openStore(dataDir);
      try {
        const rebuilt = (await warmArena(third, current(third)))!;
        expect(hotSearchCounts(third)).toMatchObject({ loads: 1, restored: 0 });
        expect(rebuilt.has(chunkId)).toBe(true);
        await arenaSaved(third, current(third).id);
      } finally {
        await cancelArenaLoads(third);
        third.close();
      }
      // The rebuilt arena was saved over the stale one: a fourth start reads it, new row included.
      const fourth = openStore(dataDir);
      try {
        expect((await warmArena(fourth, current(fourth)))!.has(chunkId)).toBe(true);
        expect(hotSearchCounts(fourth).restored).toBe(1);
      } finally {
        await cancelArenaLoads(fourth);
        fourth.close();
      }
    } finally {
      await cancelArenaLoads(second);
      second.close();
    }
  });

  it('is saved again once writes through this connection pause, so the next start reads the current arena', async () => {
    const set = current(db);
    await warmArena(db, set); // stale since another connection wrote: rebuilt, then saved
    await arenaSaved(db, set.id);
    const fresh = source.next();
    const chunkId = addChunk(db);
    writeVectorsToSet(db, current(db), [chunkId], [fresh]); // kept current in memory, the file now a version behind
    await saveArenaNow(db, set.id);
    const next = openStore(dataDir);
    try {
      expect((await warmArena(next, current(next)))!.has(chunkId)).toBe(true);
      expect(hotSearchCounts(next)).toMatchObject({ loads: 1, restored: 1 });
    } finally {
      await cancelArenaLoads(next);
      next.close();
    }
  });

  it('removes the saved arena of a set that no longer exists when a library opens', () => {
    const orphan = arenaFilePath(db.name, 999);
    writeFileSync(orphan, 'an arena of a retired set');
    warmHotArenas(db, []);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(arenaFilePath(db.name, current(db).id))).toBe(true);
  });
});
