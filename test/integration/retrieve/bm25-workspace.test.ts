import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import { bm25TopK, keywordIndexCounts } from '../../../src/main/retrieve/bm25-postings';
import { KeywordRowWriter } from '../../../src/main/retrieve/bm25-writes';
import { keywordSearch } from '../../../src/main/retrieve/keyword-search';
import { workspaceRowReads } from '../../../src/main/retrieve/workspace-rows';
import { removeDocuments, storeParsedDocument } from '../../../src/main/ingest/library-store';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';
import { generatedChunks as generated, parsedDocument, VOCABULARY, wordFrom, type GeneratedChunk } from './generated-chunks';

// Searches filtered to a workspace, ranked from the resident postings over the workspace's rows, against FTS5's own
// filtered `ORDER BY bm25(…) LIMIT k` (the query the app ran before): the same rows in the same order, ties included,
// and bitwise the same scores, on workspaces whose documents interleave, an empty one, one holding every row, and
// after recorded writes, a document moved between workspaces and writes the postings were not told of.

const generatedChunks = (next: () => number, count: number) => generated(next, count, 10);

/**
 * Writes chunks as ingestion does (chunks rows and their keyword rows in one transaction, through KeywordRowWriter unless
 * `recorded: false`), into a new document of `workspaceId` or appended to `documentId`; returns the document and chunk ids.
 */
function addChunks(
  db: Db,
  chunks: GeneratedChunk[],
  { workspaceId = 1, documentId, recorded = true }: { workspaceId?: number; documentId?: number; recorded?: boolean } = {},
): { documentId: number; ids: number[] } {
  const direct = db.prepare('INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (?, ?, ?, ?)');
  const keywordRows = recorded ? new KeywordRowWriter(db) : { insert: (...row: unknown[]) => direct.run(...row), committed: () => {} };
  const written = db.transaction(() => {
    const document =
      documentId ??
      Number(
        db
          .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (?, ?, 'd', 'text', ?, 0, 'indexed', 0, 0)`)
          .run(workspaceId, `/d${Math.random()}`, `h${Math.random()}`).lastInsertRowid,
      );
    const first = (db.prepare('SELECT COALESCE(MAX(ordinal) + 1, 0) FROM chunks WHERE document_id = ?').pluck().get(document) as number) ?? 0;
    const insertChunk = db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path, context) VALUES (?, ?, ?, 1, 1, 1, 0, 1, ?, ?)`,
    );
    const ids = chunks.map((chunk, i) => {
      const id = Number(insertChunk.run(document, first + i, chunk.body, chunk.heading, chunk.context).lastInsertRowid);
      keywordRows.insert(id, chunk.body, chunk.heading, chunk.context);
      return id;
    });
    return { documentId: document, ids };
  }).immediate();
  keywordRows.committed();
  return written;
}

function removeChunks(db: Db, ids: number[]): void {
  const keywordRows = new KeywordRowWriter(db);
  db.transaction(() => {
    for (const id of ids) {
      keywordRows.delete(id);
      db.prepare('DELETE FROM chunks WHERE id = ?').run(id);
    }
  }).immediate();
  keywordRows.committed();
}

/** FTS5's ranking filtered to a workspace, as keyword-search ran it before: the reference. */
function ftsInWorkspace(prepare: Db['prepare'], terms: string[], weights: number[], k: number, workspaceId: number) {
  return (
    prepare(
      `SELECT f.rowid AS chunkId, bm25(chunks_fts, ?, ?, ?) AS rank FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
       WHERE chunks_fts MATCH ? AND d.workspace_id = ? ORDER BY rank LIMIT ?`,
    ).all(...weights, terms.map((term) => `"${term}"`).join(' OR '), workspaceId, k) as { chunkId: number; rank: number }[]
  ).map((row) => [row.chunkId, -row.rank]);
}

describe('BM25 workspace filter from resident postings', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bm25-workspace-'));
  const next = seededRandom(2027);
  let db: Db;
  /** Prepared FTS5 rankings (bm25() over chunks_fts) since the last reset: a search served from the postings prepares none. */
  let ftsRankings = 0;
  let prepare: Db['prepare'];

  beforeAll(() => {
    db = openStore(dataDir);
    prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      if (sql.includes('bm25(chunks_fts')) ftsRankings++;
      return prepare(sql);
    }) as typeof db.prepare;
    for (const name of ['Second', 'Empty']) prepare('INSERT INTO workspaces (name, created_at) VALUES (?, 0)').run(name);
    // Documents alternate between the default workspace and the second, so each holds several separate runs of rows.
    for (let document = 0; document < 8; document++) addChunks(db, generatedChunks(next, 120), { workspaceId: 1 + (document % 2) });
  });
  afterAll(() => {
    db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const queries = () =>
    Array.from({ length: 20 }, () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => wordFrom(next))).concat([['running', 'runs', 'ran'], ['cell', 'cell'], ['insulin']]);

  /** Every query, both column weightings and k 1/10/400 in the workspace: FTS5's filtered ranking, served from the postings. */
  const expectWorkspaceRanking = (workspaceId: number): number => {
    let compared = 0;
    for (const terms of queries()) {
      for (const [body, heading, context] of [
        [1, 1, 1],
        [1, 2.5, 0.7],
      ]) {
        for (const k of [1, 10, 400]) {
          ftsRankings = 0;
          const hits = keywordSearch(db, terms, { k, workspaceId, maxTermShare: 1, headingWeight: heading, contextWeight: context });
          expect(ftsRankings, 'served from the postings').toBe(0);
          const expected = ftsInWorkspace(prepare, terms, [body, heading, context], k, workspaceId);
          expect(hits.map((hit) => [hit.chunkId, hit.score]), `${terms.join(' ')} in workspace ${workspaceId} k=${k}`).toEqual(expected);
          compared += expected.length;
        }
      }
    }
    return compared;
  };

  it("ranks a workspace's rows from the postings exactly as FTS5's filtered query, scores bitwise", () => {
    expect(expectWorkspaceRanking(1)).toBeGreaterThan(3_000);
    expect(expectWorkspaceRanking(2)).toBeGreaterThan(3_000);
    // Hits of one workspace are its own documents', and differ from the unfiltered ranking.
    const inSecond = new Set(prepare('SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.workspace_id = 2').pluck().all() as number[]);
    const hits = keywordSearch(db, ['insulin', 'kinase'], { k: 400, workspaceId: 2, maxTermShare: 1 });
    expect(hits.length).toBeGreaterThan(20);
    expect(hits.every((hit) => inSecond.has(hit.chunkId))).toBe(true);
    expect(hits.map((hit) => hit.chunkId)).not.toEqual(bm25TopK(db, ['insulin', 'kinase'], [1, 1, 1], 400)!.map((hit) => hit.chunkId));
  });

  it('answers a workspace without rows, and one that does not exist, with nothing, from the postings', () => {
    for (const workspaceId of [3, 999]) {
      ftsRankings = 0;
      expect(keywordSearch(db, ['insulin', 'cell'], { k: 10, workspaceId, maxTermShare: 1 })).toEqual([]);
      expect(ftsRankings).toBe(0);
      expect(ftsInWorkspace(prepare, ['insulin', 'cell'], [1, 1, 1], 10, workspaceId)).toEqual([]);
    }
  });

  it('ranks a workspace that holds every row as FTS5 does, filtered or not', () => {
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bm25-workspace-all-'));
    const other = openStore(otherDir);
    try {
      other.prepare("INSERT INTO workspaces (name, created_at) VALUES ('Empty', 0)").run();
      for (let document = 0; document < 3; document++) addChunks(other, generatedChunks(next, 80));
      for (const terms of queries().slice(0, 10)) {
        const hits = keywordSearch(other, terms, { k: 50, workspaceId: 1, maxTermShare: 1 });
        const filtered = ftsInWorkspace(other.prepare.bind(other), terms, [1, 1, 1], 50, 1);
        expect(hits.map((hit) => [hit.chunkId, hit.score])).toEqual(filtered);
        expect(hits.map((hit) => [hit.chunkId, hit.score])).toEqual(bm25TopK(other, terms, [1, 1, 1], 50)!.map((hit) => [hit.chunkId, hit.score]));
      }
    } finally {
      other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it("follows recorded writes in place: only the written documents' rows are read again, no lengths or lists", () => {
    const parsed = (count: number) => parsedDocument(generatedChunks(next, count));
    const queued = Number(
      prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (2, ?, 'p', 'text', ?, 0, 'queued', 0, 0)`)
        .run(`/p${Math.random()}`, `p${Math.random()}`).lastInsertRowid,
    );
    const file = { contentHash: 'h', sizeBytes: 1, mtimeMs: null };
    let added = addChunks(db, generatedChunks(next, 50), { workspaceId: 2 });
    const appendTo = added.documentId;
    for (const word of VOCABULARY) bm25TopK(db, [word], [1, 1, 1], 1); // every list resident
    expectWorkspaceRanking(1);
    expectWorkspaceRanking(2);
    const newest = () => prepare('SELECT id FROM chunks ORDER BY id DESC LIMIT 10').pluck().all() as number[];
    const { lengthLoads, listReads } = keywordIndexCounts(db);
    const steps: [string, () => void, number][] = [
      ['a document added to the second workspace', () => (added = addChunks(db, generatedChunks(next, 60), { workspaceId: 2 })), 1],
      ['a document added to the default workspace', () => (added = addChunks(db, generatedChunks(next, 40), { workspaceId: 1 })), 1],
      ['chunks appended to an older document: two runs of rows', () => void addChunks(db, generatedChunks(next, 15), { documentId: appendTo }), 1],
      ['every third chunk of a document deleted', () => removeChunks(db, added.ids.filter((_, i) => i % 3 === 0)), 1],
      ['the newest rows (the appended ones) deleted, their rowids reused by a new document', () => (removeChunks(db, newest()), (added = addChunks(db, generatedChunks(next, 30), { workspaceId: 2 }))), 2],
      ["ingestion's commit of a queued document", () => storeParsedDocument(db, queued, 1, parsed(45), file, null), 1],
      ["ingestion's re-index of it", () => storeParsedDocument(db, queued, 1, parsed(30), file, null), 1],
      ["ingestion's removal of it and of the appended document", () => void removeDocuments(db, [queued, appendTo]), 0],
    ];
    for (const [what, step, documentsRead] of steps) {
      expectWorkspaceRanking(1);
      const reads = workspaceRowReads(db);
      step();
      expectWorkspaceRanking(2);
      expectWorkspaceRanking(1);
      expect(workspaceRowReads(db) - reads, `${what}: documents whose rows were read`).toBe(documentsRead);
      expect(keywordIndexCounts(db), what).toMatchObject({ lengthLoads, listReads });
    }
  });

  it('sees a document moved to another workspace, and writes it was not told of', () => {
    expectWorkspaceRanking(2);
    const moved = prepare('SELECT id FROM documents WHERE workspace_id = 2 ORDER BY id LIMIT 1').pluck().get() as number;
    prepare('UPDATE documents SET workspace_id = 1 WHERE id = ?').run(moved);
    expect(expectWorkspaceRanking(1)).toBeGreaterThan(3_000);
    expectWorkspaceRanking(2);
    prepare('UPDATE documents SET workspace_id = 2 WHERE id = ?').run(moved);
    expectWorkspaceRanking(2);

    const reads = workspaceRowReads(db);
    addChunks(db, generatedChunks(next, 25), { workspaceId: 2, recorded: false });
    expectWorkspaceRanking(2);
    expect(workspaceRowReads(db) - reads, "an unrecorded write: every document's rows read again").toBe(prepare('SELECT COUNT(*) FROM documents WHERE workspace_id = 2').pluck().get());
    const other = openStore(dataDir);
    try {
      addChunks(other, generatedChunks(next, 25), { workspaceId: 2 }); // recorded there, unknown here
    } finally {
      other.close();
    }
    expectWorkspaceRanking(2);
    expectWorkspaceRanking(1);
  });
});
