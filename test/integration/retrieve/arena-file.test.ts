import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import { completeVectorSet, createVectorSet, findVectorSet, nearestChunks, writeVectorsToSet, type VectorSet } from '../../../src/main/embed/vector-store';
import { arenaSaved, cancelArenaLoads, hotSearchCounts, loadedArena, saveArenaNow, warmArena, warmHotArenas } from '../../../src/main/embed/hot-vectors';
import { arenaFilePath, readArena, saveArena } from '../../../src/main/embed/arena-file';
import { VectorArena } from '../../../src/main/embed/vector-arena';
import { log } from '../../../src/main/platform/log';
import { clusteredVectors } from '../../fixtures/embed/clustered-vectors';
import { arenaLibraryFolder } from '../../support/arena-library';

// The arena saved beside the database: read back it scores every query exactly as the arena that was saved (same
// candidates, same int8 scores), a later start of the same vector_version reads it instead of rebuilding, and a
// write to the vectors makes it stale, so the next start rebuilds (and saves the new arena over it).

const DIM = 64;
const COUNT = 3000;
const never = () => false;

describe('saved vector arena', () => {
  const source = clusteredVectors(DIM, { clusters: 30, seed: 11 });
  const vectors: Float32Array[] = [];
  let db: Db;
  const dataDir = arenaLibraryFolder('lockstep-arena-file-', () => db);
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

  it('refuses a file with one byte changed or cut short, naming why, and the next start rebuilds and saves it again', async () => {
    const arena = new VectorArena(DIM);
    arena.upsert(vectors.slice(0, 400).map((vector, i) => ({ chunkId: i + 1, workspaceId: 1, vector })));
    const file = path.join(dataDir, 'damaged.arena');
    const key = { setId: 3, createdAt: 5, version: 7 };
    expect(await saveArena(file, key, arena, never)).toBe(true);
    const intact = readFileSync(file);
    expect(await readArena(file, key, never)).toBeDefined();
    for (const at of [intact.length - 1000, intact.length - 2]) {
      const damaged = Buffer.from(intact);
      damaged[at] ^= 0x10; // one bit of a stored int8 value, then one of the checksum itself
      writeFileSync(file, damaged);
      await expect(readArena(file, key, never)).rejects.toThrow(/fails its checksum/);
    }
    writeFileSync(file, intact.subarray(0, intact.length - 100));
    await expect(readArena(file, key, never)).rejects.toThrow(/not the \d+ its header says/);

    // Through the load: the damaged file is logged with its reason, never served, and replaced by a rebuilt arena.
    const set = current(db);
    await warmArena(db, set);
    await arenaSaved(db, set.id);
    const saved = arenaFilePath(db.name, set.id);
    const bytes = readFileSync(saved);
    bytes[bytes.length - 5000] ^= 0x01;
    writeFileSync(saved, bytes);
    const warnings = vi.spyOn(log, 'warn').mockImplementation(() => {});
    const next = openStore(dataDir);
    try {
      const rebuilt = (await warmArena(next, current(next)))!;
      expect(hotSearchCounts(next)).toMatchObject({ loads: 1, restored: 0 });
      expect(warnings.mock.calls.map(([message, error]) => `${message}: ${(error as Error).message}`)).toEqual([
        expect.stringMatching(/saved vector arena of set \d+ could not be read; it is rebuilt from the database: .*fails its checksum/),
      ]);
      const query = source.query();
      expect(rebuilt.nearest(query, 10)).toEqual(loadedArena(db, set.id)!.nearest(query, 10));
      await arenaSaved(next, set.id);
    } finally {
      warnings.mockRestore();
      await cancelArenaLoads(next);
      next.close();
    }
    const after = openStore(dataDir);
    try {
      await warmArena(after, current(after));
      expect(hotSearchCounts(after)).toMatchObject({ loads: 1, restored: 1 });
    } finally {
      await cancelArenaLoads(after);
      after.close();
    }
  });

  it('removes the half-written file of a save whose process was killed when a library opens, and keeps a running one', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // a process that has exited: its pid is free
    const abandoned = `${arenaFilePath(db.name, current(db).id)}.${gone}.tmp`;
    const running = `${arenaFilePath(db.name, current(db).id)}.${process.pid}.tmp`;
    const unrelated = path.join(dataDir, `notes.${gone}.tmp`);
    for (const file of [abandoned, running, unrelated]) writeFileSync(file, 'part of an arena');
    const infos = vi.spyOn(log, 'info').mockImplementation(() => {});
    try {
      warmHotArenas(db, []);
      expect(infos.mock.calls.map(([message]) => message)).toEqual([expect.stringContaining(path.basename(abandoned))]);
    } finally {
      infos.mockRestore();
    }
    expect([existsSync(abandoned), existsSync(running), existsSync(unrelated)]).toEqual([false, true, true]);
  });

  it('removes the saved arena of a set that no longer exists when a library opens', () => {
    const orphan = arenaFilePath(db.name, 999);
    writeFileSync(orphan, 'an arena of a retired set');
    warmHotArenas(db, []);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(arenaFilePath(db.name, current(db).id))).toBe(true);
  });
});
