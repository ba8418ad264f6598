import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../../src/main/store/db';
import {
  bm25TopK,
  clearKeywordPostings,
  documentFrequency,
  keywordIndexCounts,
  keywordIndexVersion,
  residentLists,
  warmKeywordIndex,
} from '../../../src/main/retrieve/bm25-postings';
import { KeywordRowWriter } from '../../../src/main/retrieve/bm25-writes';
import { removeDocuments, storeParsedDocument } from '../../../src/main/ingest/library-store';
import { keywordSearch } from '../../../src/main/retrieve/keyword-search';
import { lexicalSearch } from '../../../src/main/retrieve/lexical-search';
import { seededRandom } from '../../../src/main/lpu/runtime/sampler';
import { generatedChunks, parsedDocument, VOCABULARY, wordFrom, type GeneratedChunk } from './generated-chunks';

// The resident-postings ranking against FTS5's own `ORDER BY bm25(…) LIMIT k` on generated chunks: the same rows in the
// same order (ties included: duplicated chunks score alike and go to the lower rowid), scores equal to 1e-12, before
// and after inserts, deletes and a re-index, with weighted columns and stemmed, repeated terms. Writes go through
// KeywordRowWriter as ingestion's do, so the resident state follows them in place; writes it did not record (another
// connection, a direct insert) still make it reload.

const SCORE_TOLERANCE = 0;

/**
 * Writes a document's chunks the way ingestion does (chunks rows and their FTS rows in one transaction, after deleting
 * `removing`); returns the chunk ids. `recorded: false` writes chunks_fts directly, as a writer that does not tell.
 */
function addChunks(db: Db, chunks: GeneratedChunk[], { removing = [], recorded = true }: { removing?: number[]; recorded?: boolean } = {}): number[] {
  const direct = db.prepare('INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (?, ?, ?, ?)');
  const keywordRows = recorded ? new KeywordRowWriter(db) : { insert: (...row: unknown[]) => direct.run(...row), delete: () => {}, committed: () => {} };
  const ids = db.transaction(() => {
    removeRows(db, keywordRows, removing);
    const documentId = Number(
      db
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, 'd', 'text', ?, 0, 'indexed', 0, 0)`)
        .run(`/d${Math.random()}`, `h${Math.random()}`).lastInsertRowid,
    );
    const insertChunk = db.prepare(
      `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path, context) VALUES (?, ?, ?, 1, 1, 1, 0, 1, ?, ?)`,
    );
    return chunks.map((chunk, ordinal) => {
      const id = Number(insertChunk.run(documentId, ordinal, chunk.body, chunk.heading, chunk.context).lastInsertRowid);
      keywordRows.insert(id, chunk.body, chunk.heading, chunk.context);
      return id;
    });
  }).immediate();
  keywordRows.committed();
  return ids;
}

function removeRows(db: Db, keywordRows: Pick<KeywordRowWriter, 'delete'>, ids: number[]): void {
  for (const id of ids) {
    keywordRows.delete(id);
    db.prepare('DELETE FROM chunks WHERE id = ?').run(id);
  }
}

function removeChunks(db: Db, ids: number[]): void {
  const keywordRows = new KeywordRowWriter(db);
  db.transaction(() => removeRows(db, keywordRows, ids)).immediate();
  keywordRows.committed();
}

/** FTS5's own ranking, the reference. */
function ftsTopK(db: Db, terms: string[], weights: number[], k: number) {
  const match = terms.map((term) => `"${term}"`).join(' OR ');
  return (
    db
      .prepare(`SELECT rowid AS chunkId, bm25(chunks_fts, ?, ?, ?) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?`)
      .all(...weights, match, k) as { chunkId: number; rank: number }[]
  ).map((row) => ({ chunkId: row.chunkId, score: -row.rank }));
}

describe('BM25 from resident postings', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bm25-postings-'));
  const next = seededRandom(2026);
  let db: Db;
  beforeAll(() => {
    db = openStore(dataDir);
    for (let document = 0; document < 6; document++) addChunks(db, generatedChunks(next, 300));
  });
  afterAll(() => {
    db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const queries = () =>
    Array.from({ length: 40 }, () => Array.from({ length: 1 + Math.floor(next() * 6) }, () => wordFrom(next))).concat([
      ['running', 'runs', 'ran'], // one porter stem, three phrases
      ['cell', 'cell'],
      ['insulin'],
    ]);

  const expectSameRanking = () => {
    let compared = 0;
    for (const terms of queries()) {
      for (const weights of [
        [1, 1, 1],
        [1, 2.5, 0.7],
      ]) {
        for (const k of [1, 10, 400, 100_000]) {
          const expected = ftsTopK(db, terms, weights, k);
          const actual = bm25TopK(db, terms, weights, k);
          expect(actual, terms.join(' ')).not.toBeNull();
          expect(actual!.map((hit) => hit.chunkId), `${terms.join(' ')} ${weights.join(',')} k=${k}`).toEqual(expected.map((hit) => hit.chunkId));
          const worst = Math.max(0, ...actual!.map((hit, i) => Math.abs(hit.score - expected[i].score) / Math.abs(expected[i].score)));
          expect(worst).toBeLessThanOrEqual(SCORE_TOLERANCE);
          compared += expected.length;
        }
      }
    }
    return compared;
  };

  it('ranks exactly as FTS5 does, ties included', () => {
    expect(expectSameRanking()).toBeGreaterThan(50_000);
    // The duplicated chunks really tie, so the tie order is exercised.
    const all = bm25TopK(db, ['protein'], [1, 1, 1], 100_000)!;
    expect(new Set(all.map((hit) => hit.score)).size).toBeLessThan(all.length);
  });

  it('stays exact after inserts, deletes and a re-index', () => {
    expectSameRanking(); // postings resident for many terms
    const added = addChunks(db, generatedChunks(next, 120));
    expectSameRanking();
    removeChunks(db, added.filter((_, i) => i % 3 === 0));
    expectSameRanking();
    // A re-index: the document's rows go, and its new chunks come back under new rowids.
    const survivors = added.filter((_, i) => i % 3 !== 0);
    removeChunks(db, survivors);
    addChunks(db, generatedChunks(next, 80));
    expectSameRanking();
  });

  it('follows interleaved inserts, deletes and re-indexes in place, exactly, without reading lengths or lists again', () => {
    for (const word of VOCABULARY) bm25TopK(db, [word], [1, 1, 1], 1); // lengths current, every list resident
    let ids = addChunks(db, generatedChunks(next, 200));
    const before = keywordIndexCounts(db);
    const steps: [string, () => void][] = [
      ['insert a document', () => (ids = addChunks(db, generatedChunks(next, 90)))],
      ['delete every third chunk', () => removeChunks(db, ids.filter((_, i) => i % 3 === 0))],
      ['re-index: its rows go and new ones come in one transaction', () => (ids = addChunks(db, generatedChunks(next, 60), { removing: ids.filter((_, i) => i % 3 !== 0) }))],
      ['delete the newest rows: the next insert reuses their rowids', () => removeChunks(db, ids.slice(-25))],
      ['insert into the freed rowids', () => (ids = addChunks(db, generatedChunks(next, 40)))],
      ['delete and insert in one transaction, the deleted rows in the middle of every list', () => addChunks(db, generatedChunks(next, 30), { removing: [4, 500, 501, 502, 900] })],
    ];
    for (const [i, [what, step]] of steps.entries()) {
      const reads = keywordIndexCounts(db).listReads;
      step();
      expect(keywordIndexCounts(db), what).toMatchObject({ lengthLoads: before.lengthLoads, changesApplied: before.changesApplied + i + 1 });
      expect(expectSameRanking(), what).toBeGreaterThan(10_000);
      expect(keywordIndexCounts(db).listReads, `${what}: resident lists are served, none read again`).toBe(reads);
    }
  });

  it("follows ingestion's commit, re-index and removal of a document in place", () => {
    for (const word of VOCABULARY) bm25TopK(db, [word], [1, 1, 1], 1);
    const documentId = Number(
      db
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, 'p', 'text', ?, 0, 'queued', 0, 0)`)
        .run(`/p${Math.random()}`, `p${Math.random()}`).lastInsertRowid,
    );
    const parsed = (count: number) => parsedDocument(generatedChunks(next, count));
    const file = { contentHash: 'h', sizeBytes: 1, mtimeMs: null };
    const { lengthLoads, changesApplied, listReads } = keywordIndexCounts(db);
    const steps: [string, () => void][] = [
      ['indexed', () => storeParsedDocument(db, documentId, 1, parsed(60), file, null)],
      ['indexed again', () => storeParsedDocument(db, documentId, 1, parsed(45), file, null)],
      ['removed', () => void removeDocuments(db, [documentId])],
    ];
    for (const [i, [what, step]] of steps.entries()) {
      step();
      expect(keywordIndexCounts(db), what).toMatchObject({ lengthLoads, changesApplied: changesApplied + i + 1, listReads });
      expectSameRanking();
    }
  });

  it('keeps counted term frequencies through recorded inserts without counting again, and counts again after deletes', () => {
    bm25TopK(db, ['insulin'], [1, 1, 1], 1); // resident state current
    clearKeywordPostings(db); // no list to read a frequency from: every one is counted
    const words = ['cell', 'running', 'runs', 'insulin', 'vaccine', 'sleep'];
    const truth = (word: string) => db.prepare('SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?').pluck().get(`"${word}"`) as number;
    let counted = 0;
    const frequencies = () =>
      words.map((word) => documentFrequency(db, word, keywordIndexVersion(db), () => (counted++, truth(word))));
    expect(frequencies()).toEqual(words.map(truth));
    expect(counted).toBe(words.length - 1); // 'running' and 'runs' share a stem
    const ids = addChunks(db, generatedChunks(next, 50));
    counted = 0;
    expect(frequencies()).toEqual(words.map(truth));
    expect(counted).toBe(0);
    removeChunks(db, ids.slice(0, 10));
    expect(frequencies()).toEqual(words.map(truth));
    expect(counted).toBe(words.length - 1);
  });

  it('reloads after writes it did not record: another connection, a direct insert, and not after a rolled-back one', () => {
    expectSameRanking();
    addChunks(db, generatedChunks(next, 20), { recorded: false });
    const direct = keywordIndexCounts(db).lengthLoads;
    expectSameRanking();
    expect(keywordIndexCounts(db).lengthLoads).toBe(direct + 1);
    const other = openStore(dataDir);
    try {
      addChunks(other, generatedChunks(next, 30)); // recorded there, unknown here
    } finally {
      other.close();
    }
    const loads = keywordIndexCounts(db).lengthLoads;
    expectSameRanking();
    expect(keywordIndexCounts(db).lengthLoads).toBe(loads + 1);

    // Another connection commits inside this one's write: the change recorded here would miss its rows.
    const writer = new KeywordRowWriter(db);
    const otherWriter = openStore(dataDir);
    try {
      db.transaction(() => writer.insert(90_001, 'insulin receptor', '', '')).immediate();
      otherWriter.prepare('INSERT INTO chunks_fts (rowid, body, heading, context) VALUES (90002, ?, ?, ?)').run('insulin kinase', '', '');
      writer.committed();
    } finally {
      otherWriter.close();
    }
    expectSameRanking();
    expect(keywordIndexCounts(db).lengthLoads).toBe(loads + 2);

    const applied = keywordIndexCounts(db).changesApplied;
    expect(() =>
      db.transaction(() => {
        new KeywordRowWriter(db).insert(90_003, 'insulin insulin insulin', '', '');
        throw new Error('a failed write');
      }).immediate(),
    ).toThrow('a failed write');
    addChunks(db, generatedChunks(next, 10)); // recorded: starts from the version the rollback left
    expect(keywordIndexCounts(db)).toMatchObject({ lengthLoads: loads + 2, changesApplied: applied + 1 });
    expectSameRanking();
  });

  it('serves keywordSearch with the hits FTS5 gives', () => {
    const terms = ['insulin', 'receptor', 'kinase'];
    const viaSearch = keywordSearch(db, terms, { k: 25, maxTermShare: 1 });
    expect(viaSearch.map((hit) => hit.chunkId)).toEqual(ftsTopK(db, terms, [1, 1, 1], 25).map((hit) => hit.chunkId));
    const context = db.prepare('SELECT document_id AS documentId, context FROM chunks WHERE id = ?');
    for (const hit of viaSearch) expect({ documentId: hit.documentId, context: hit.context }).toEqual(context.get(hit.chunkId));
  });

  it('reads the index version once per search, through one statement prepared once per connection', () => {
    const connection = openStore(dataDir);
    try {
      const isVersionRead = (sql: string) => sql.includes('chunks_fts_data WHERE id IN');
      let prepared = 0;
      let reads = 0;
      const prepare = connection.prepare.bind(connection);
      connection.prepare = ((sql: string) => {
        const statement = prepare(sql);
        if (!isVersionRead(sql)) return statement;
        prepared++;
        const all = statement.all.bind(statement);
        return Object.assign(statement, { all: (...params: unknown[]) => (reads++, all(...params)) });
      }) as typeof connection.prepare;
      const searches = [
        () => keywordSearch(connection, ['insulin', 'receptor', 'kinase'], { k: 10, maxTermShare: 0.5 }),
        () => lexicalSearch(connection, 'insulin receptor kinase in mouse neurons', { k: 10, maxTermShare: 0.5 }),
        () => lexicalSearch(connection, 'sleep diet obesity', { k: 10, maxTermShare: 0.5, routingWeight: 0 }),
      ];
      for (const search of searches) expect(search().length).toBeGreaterThan(0);
      expect({ prepared, reads }).toEqual({ prepared: 1, reads: searches.length });
    } finally {
      connection.close();
    }
  });

  it('ranks a search within a set of documents from the postings, exactly as FTS5 ranks that set', () => {
    const documents = (db.prepare('SELECT id FROM documents ORDER BY id').pluck().all() as number[]).filter((_, i) => i % 2 === 0);
    const ftsWithin = (terms: string[], weights: number[], k: number, documentIds: number[]) =>
      (
        db
          .prepare(
            `WITH ranked AS MATERIALIZED (SELECT rowid AS chunkId, bm25(chunks_fts, ?, ?, ?) AS rank FROM chunks_fts WHERE chunks_fts MATCH ?)
             SELECT chunkId, rank FROM ranked WHERE chunkId IN (SELECT id FROM chunks WHERE document_id IN (SELECT value FROM json_each(?))) ORDER BY rank LIMIT ?`,
          )
          .all(...weights, terms.map((term) => `"${term}"`).join(' OR '), JSON.stringify(documentIds), k) as { chunkId: number; rank: number }[]
      ).map((row) => ({ chunkId: row.chunkId, score: -row.rank }));
    const prepare = db.prepare.bind(db);
    let ftsRankings = 0;
    db.prepare = ((sql: string) => {
      if (sql.includes('bm25(chunks_fts')) ftsRankings++;
      return prepare(sql);
    }) as typeof db.prepare;
    const compared: number[] = [];
    try {
      for (const documentIds of [documents.slice(0, 1), documents.slice(1, 3), [...documents].reverse(), [documents[0], 987_654]]) {
        for (const terms of queries().slice(0, 15)) {
          for (const [body, heading, context] of [
            [1, 1, 1],
            [1, 2.5, 0.7],
          ]) {
            for (const k of [1, 10, 400]) {
              ftsRankings = 0;
              const hits = keywordSearch(db, terms, { k, documentIds, maxTermShare: 1, headingWeight: heading, contextWeight: context });
              expect(ftsRankings, 'served from the postings').toBe(0);
              db.prepare = prepare;
              const expected = ftsWithin(terms, [body, heading, context], k, documentIds);
              db.prepare = ((sql: string) => {
                if (sql.includes('bm25(chunks_fts')) ftsRankings++;
                return prepare(sql);
              }) as typeof db.prepare;
              expect(hits.map((hit) => [hit.chunkId, hit.score]), `${terms.join(' ')} in ${documentIds.join(',')} k=${k}`).toEqual(expected.map((hit) => [hit.chunkId, hit.score]));
              compared.push(hits.length);
            }
          }
        }
      }
    } finally {
      db.prepare = prepare;
    }
    expect(compared.reduce((a, b) => a + b, 0)).toBeGreaterThan(5_000);
  });

  it('reads ahead the lists of the most frequent ranked terms, within its memory budget', async () => {
    const connection = openStore(dataDir);
    try {
      const rows = connection.prepare('SELECT COUNT(*) FROM chunks_fts_docsize').pluck().get() as number;
      connection.exec('CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, chunks_fts, row)');
      const frequency = new Map(connection.prepare('SELECT term, doc FROM temp.vocabulary').raw().all() as [string, number][]);
      // The share cap sits in the widest gap between neighbouring frequencies, so a sampled estimate falls on the right side.
      const byFrequency = [...frequency].sort((a, b) => b[1] - a[1]);
      let gap = 2;
      for (let i = 2; i < byFrequency.length - 6; i++) if (byFrequency[i][1] - byFrequency[i + 1][1] > byFrequency[gap][1] - byFrequency[gap + 1][1]) gap = i;
      const maxShare = (byFrequency[gap][1] + byFrequency[gap + 1][1]) / 2 / rows;
      // Rankable terms (under the cap), longest list first; the budget holds the first three.
      const rankable = byFrequency.slice(gap + 1).filter(([, df]) => df >= 20);
      expect(rankable.length).toBeGreaterThan(4);
      const bytesOf = (df: number) => df * 10;
      const budgetBytes = bytesOf(rankable[0][1] + rankable[1][1] + rankable[2][1] + 50); // room left, but for no fourth list
      await warmKeywordIndex(connection, { budgetBytes, minRows: 20, maxShare });
      const counts = keywordIndexCounts(connection);
      const resident = residentLists(connection);
      // Chosen from a sample, so the order among lists of nearly equal length may differ: most of the three longest
      // are read, and only rankable lists, no more than the budget holds.
      expect(rankable.slice(0, 3).filter(([term]) => resident.includes(term)).length).toBeGreaterThanOrEqual(2);
      expect(resident.every((term) => rankable.some(([rankableTerm]) => rankableTerm === term))).toBe(true);
      expect(resident.reduce((bytes, term) => bytes + bytesOf(frequency.get(term)!), 0)).toBe(counts.warmedBytes);
      expect(counts.warmedBytes).toBeLessThanOrEqual(budgetBytes);
      expect(counts.warmedLists).toBe(resident.length);
      // Lists estimated past the budget left are not read only to be given back.
      expect(counts.listReads).toBe(counts.warmedLists);
      const reads = counts.listReads;
      // Their first query reads nothing and ranks as FTS5 does.
      for (const term of resident) {
        expect(bm25TopK(connection, [term], [1, 1, 1], 50)!.map((hit) => hit.chunkId)).toEqual(ftsTopK(connection, [term], [1, 1, 1], 50).map((hit) => hit.chunkId));
      }
      expect(keywordIndexCounts(connection).listReads).toBe(reads);
      // A term above the share was not read ahead: its first query reads it.
      const [common] = [...frequency].sort((a, b) => b[1] - a[1])[0];
      expect(frequency.get(common)!).toBeGreaterThan(maxShare * rows);
      bm25TopK(connection, [common], [1, 1, 1], 10);
      expect(keywordIndexCounts(connection).listReads).toBe(reads + 1);
    } finally {
      connection.close();
    }
  });

  it('leaves a term that is not one index token to FTS5', () => {
    expect(bm25TopK(db, ['insulin', 'cell-protein'], [1, 1, 1], 10)).toBeNull();
    expect(bm25TopK(db, ['Insulin', 'RÉCEPTOR'], [1, 1, 1], 10)?.map((hit) => hit.chunkId)).toEqual(
      ftsTopK(db, ['insulin', 'receptor'], [1, 1, 1], 10).map((hit) => hit.chunkId),
    );
  });

  it('loads a large library in the background, answering nothing stale meanwhile', async () => {
    addChunks(db, generatedChunks(next, 10), { recorded: false }); // a version no lengths were read for
    expect(bm25TopK(db, ['cell'], [1, 1, 1], 10, { syncRows: 0 })).toBeNull(); // the caller asks FTS5 meanwhile
    const warming = warmKeywordIndex(db);
    addChunks(db, generatedChunks(next, 10)); // written while the lengths load: that load must not be served (nor the write applied to it)
    await warming;
    await warmKeywordIndex(db);
    expect(bm25TopK(db, ['cell'], [1, 1, 1], 50, { syncRows: 0 })?.map((hit) => hit.chunkId)).toEqual(ftsTopK(db, ['cell'], [1, 1, 1], 50).map((hit) => hit.chunkId));
  });

  it('ends a warm-up quietly when the library closes while its lengths load', async () => {
    const closingDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bm25-closing-'));
    try {
      const closing = openStore(closingDir);
      addChunks(closing, generatedChunks(next, 50));
      expect(bm25TopK(closing, ['cell'], [1, 1, 1], 10, { syncRows: 0 })).toBeNull(); // starts the background load
      const warming = warmKeywordIndex(closing);
      closing.close(); // as the services do when the app quits mid-load
      await expect(warming).resolves.toBeUndefined();
    } finally {
      rmSync(closingDir, { recursive: true, force: true });
    }
  });
});
