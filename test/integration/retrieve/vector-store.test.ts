import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import {
  createVectorSet,
  deleteVectorsForChunks,
  findVectorSet,
  nearestChunks,
  vectorsOfChunks,
  writeVectorsToSet,
  vectorLookupSql,
  type VectorSet,
} from '../../../src/main/embed/vector-store';
import { loadChunksSql } from '../../../src/main/retrieve/provenance';
import { cancelArenaLoads, loadedArena, warmArena } from '../../../src/main/embed/hot-vectors';
import { seededRandom } from '../../fixtures/embed/tiny-embedder';

// Searches rank int8 candidates in the in-memory arena and rescore them on the floats; close matches must come out exact.
describe('vector store', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-vectors-'));
  const DIM = 64;
  const COUNT = 22_000;
  let db: Db;
  let set: VectorSet;
  const vectors: Float32Array[] = [];
  const random = seededRandom(12345);
  const next = () => random() * 2 - 1;

  beforeAll(() => {
    db = openStore(dataDir);
    const other = Number(db.prepare(`INSERT INTO workspaces (name, created_at) VALUES ('Other', 0)`).run().lastInsertRowid);
    const insertDoc = db.prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (?, ?, ?, 'text', ?, 0, 'indexed', 0, 0)`);
    const insertChunk = db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end) VALUES (?, ?, 'x', 1, 1, 1, 0, 1)`);
    db.transaction(() => {
      for (let doc = 0; doc < COUNT / 100; doc++) {
        const documentId = Number(insertDoc.run(doc % 10 === 0 ? other : 1, `/d${doc}`, `d${doc}`, `h${doc}`).lastInsertRowid);
        for (let i = 0; i < 100; i++) insertChunk.run(documentId, i);
      }
    })();
    set = createVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIM);
    for (let i = 0; i < COUNT; i++) vectors.push(Float32Array.from({ length: DIM }, next));
    writeVectorsToSet(db, set, vectors.map((_, i) => i + 1), vectors);
    set = findVectorSet(db, set.modelId, DIM)!;
  });
  afterAll(async () => {
    await cancelArenaLoads(db);
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts what it stores and starts as building over an existing library', () => {
    expect(set).toMatchObject({ status: 'building', chunkCount: COUNT, tableName: `vec_set_${set.id}` });
  });

  it('finds a stored vector first, through the int8 arena and exact rescoring', () => {
    for (const chunkId of [1, 777, COUNT]) {
      const hits = nearestChunks(db, set, vectors[chunkId - 1], 5);
      expect(hits[0].chunkId).toBe(chunkId);
      expect(hits[0].similarity).toBeCloseTo(1, 5);
      expect(hits.map((h) => h.similarity)).toEqual([...hits.map((h) => h.similarity)].sort((a, b) => b - a));
    }
  });

  it('filters by workspace inside the scan and by documents exactly', () => {
    // Chunk 1 belongs to document 1, which is in the other workspace (every tenth document is).
    const inDefault = nearestChunks(db, set, vectors[0], 5, { workspaceId: 1 });
    expect(inDefault.map((h) => h.chunkId)).not.toContain(1);
    expect(nearestChunks(db, set, vectors[0], 1, { workspaceId: 2 })[0].chunkId).toBe(1);
    const inDocument = nearestChunks(db, set, vectors[150], 3, { documentIds: [2] });
    expect(inDocument[0].chunkId).toBe(151);
    expect(inDocument.every((h) => h.chunkId > 100 && h.chunkId <= 200)).toBe(true);
  });

  it('returns exact vectors for MMR and forgets deleted chunks everywhere', () => {
    expect(Array.from(vectorsOfChunks(db, set, [3]).get(3)!)).toEqual(Array.from(vectors[2]));
    deleteVectorsForChunks(db, [777]);
    expect(nearestChunks(db, set, vectors[776], 3).map((h) => h.chunkId)).not.toContain(777);
    expect(findVectorSet(db, set.modelId, DIM)!.chunkCount).toBe(COUNT - 1);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM ${set.tableName} WHERE chunk_id = 777`).get()).toEqual({ n: 0 });
  });

  it('sees vectors another connection (another process) wrote since the last search', () => {
    const other = openStore(dataDir);
    try {
      const fresh = Float32Array.from({ length: DIM }, next);
      const documentId = Number(other.prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, '/new', 'new', 'text', 'new', 0, 'indexed', 0, 0)`).run().lastInsertRowid);
      const chunkId = Number(other.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end) VALUES (?, 0, 'x', 1, 1, 1, 0, 1)`).run(documentId).lastInsertRowid);
      expect(nearestChunks(db, set, fresh, 1)[0].chunkId).not.toBe(chunkId);
      writeVectorsToSet(other, findVectorSet(other, set.modelId, DIM)!, [chunkId], [fresh]);
      expect(nearestChunks(db, findVectorSet(db, set.modelId, DIM)!, fresh, 1)[0].chunkId).toBe(chunkId);
    } finally {
      other.close();
    }
  });

  it('applies its own writes to the loaded index without a rebuild', async () => {
    const arena = await warmArena(db, findVectorSet(db, set.modelId, DIM)!);
    expect(arena).toBeDefined();
    const moved = Float32Array.from({ length: DIM }, next);
    writeVectorsToSet(db, findVectorSet(db, set.modelId, DIM)!, [6], [moved]);
    expect(loadedArena(db, set.id)).toBe(arena);
    expect(nearestChunks(db, findVectorSet(db, set.modelId, DIM)!, moved, 1)[0]).toMatchObject({ chunkId: 6 });
    expect(nearestChunks(db, findVectorSet(db, set.modelId, DIM)!, vectors[5], 1)[0].chunkId).not.toBe(6);
    expect(loadedArena(db, set.id)).toBe(arena);
  });

  it('looks vectors and chunks up through their keys and indexes, never by scanning', () => {
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...Array.from(sql.matchAll(/\?/g), () => 1)) as { detail: string }[]).map((row) => row.detail);
    const scansOf = (details: string[], table: string) => details.filter((d) => d.startsWith(`SCAN ${table}`));
    for (const sql of [vectorLookupSql.rescore(set), vectorLookupSql.vectors(set)]) {
      expect(plan(sql).some((d) => d.includes(`SEARCH embeddings_${set.id} USING INTEGER PRIMARY KEY`))).toBe(true);
      expect(scansOf(plan(sql), `embeddings_${set.id}`)).toEqual([]);
    }
    const documents = plan(vectorLookupSql.scanDocuments(set, true));
    expect(documents.some((d) => /SEARCH c USING (COVERING )?INDEX sqlite_autoindex_chunks_1 \(document_id=\?\)/.test(d))).toBe(true);
    expect(scansOf(documents, 'c')).toEqual([]);
    const provenance = plan(loadChunksSql);
    expect(provenance.some((d) => d.startsWith('SEARCH c USING INTEGER PRIMARY KEY'))).toBe(true);
    expect(provenance.some((d) => d.startsWith('SEARCH d USING INTEGER PRIMARY KEY'))).toBe(true);
  });

  it('ignores a query of the wrong dimension instead of failing the search', () => {
    expect(nearestChunks(db, set, new Float32Array(DIM * 2), 3)).toEqual([]);
  });
});
