// npm run bench:retrieval [-- --chunks 1000000] [--json] — builds a synthetic library of N chunks × 384 dimensions in
// sqlite-vec and FTS5 and reports build time, database size, resident set, bm25/vector/hybrid latency, and the
// recall@10 of the fast vector path (int8 arena + exact rescoring) against exact sqlite-vec float KNN, the anchor
// measured in the same run, and BM25 from resident postings against FTS5's own bm25() ranking (the other anchor).
// --json prints {runs: [{chunks, build_s, db_mb, rss_mb, hybrid_p50_ms, hybrid_p95_ms, recall_at_10, bm25_p50_ms,
// bm25_p95_ms, bm25_recall_at_10, bm25_after_write_ms, bm25_first_query_p50_ms, bm25_first_query_cold_p50_ms,
// workspace_bm25_p50_ms, workspace_bm25_p95_ms, workspace_fts5_p50_ms, workspace_fts5_p95_ms, workspace_bm25_agreement}]}
// (bm25_* is the keyword stage of the hybrid searches; bm25_first_query_* that of 20 fresh claims after the read-ahead of
// frequent terms' lists and, the anchor, with every list cold;
// workspace_* the keyword ranking of the claims filtered to a workspace holding every other document: resident postings
// against FTS5's filtered bm25() (the anchor), and the share of claims whose top 10 rows and scores are identical;
// bm25_after_write_ms the keyword stage of the first search after indexing one 100-chunk document, whose write the
// resident postings follow in place; its anchor, the same after a write they were not told of, is in the full figures);
// without it, the full figures. Chunk texts are real SciFact sentences; vectors are clustered
// (test/fixtures/embed/clustered-vectors.ts) so recall means what it does on real embeddings; search queries are
// SciFact claims embedded by a generated tiny model through the real transformers.js path, recall queries are fresh
// points around the library's own topics.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createServices, type Services } from '../../src/main/services';
import { search } from '../../src/main/retrieve/index';
import { completeVectorSet, createVectorSet, nearestChunks, writeVectorsToSet, type VectorSet } from '../../src/main/embed/vector-store';
import { arenaSaved, forgetArena, hotSearchCounts, warmArena } from '../../src/main/embed/hot-vectors';
import { bm25TopK, clearKeywordPostings, keywordIndexCounts, warmKeywordIndex } from '../../src/main/retrieve/bm25-postings';
import { lexicalTerms } from '../../src/main/retrieve/lexical-search';
import { matchChunks, rankedTerms } from '../../src/main/retrieve/keyword-search';
import { workspaceRowReads } from '../../src/main/retrieve/workspace-rows';
import { KeywordRowWriter } from '../../src/main/retrieve/bm25-writes';
import { segmentForIndex } from '../../src/main/text/segment';
import { DATABASE_FILE } from '../../src/main/store/db';
import { installTinyEmbedder } from '../fixtures/embed/tiny-embedder';
import { clusteredVectors } from '../fixtures/embed/clustered-vectors';
import { corpusFile } from '../support/corpus';

const { values: args } = parseArgs({
  options: { chunks: { type: 'string' }, json: { type: 'boolean', default: false }, queries: { type: 'string' } },
});
const DIMENSION = 384;
const SIZES = (args.chunks ?? process.env.RETRIEVAL_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const QUERIES = Number(args.queries ?? process.env.RETRIEVAL_BENCH_QUERIES ?? 200);
/** Exact KNN over 1M float rows takes ~0.5 s a query, so recall is measured on fewer queries than latency. */
const RECALL_QUERIES = 100;
const CHUNKS_PER_DOCUMENT = 100;
const WRITE_BATCH = 5000;
/** ~1 topic per 500 chunks: a 1M-chunk library holds 2,000 topics. */
const CHUNKS_PER_TOPIC = 500;

const readJsonl = (file: string) =>
  readFileSync(corpusFile(`corpus/scifact/${file}`), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { _id: string; title?: string; text: string });

/** Chunk i's text: ~3 consecutive SciFact sentences, cycling through the corpus with a different start each lap. */
function chunkTexts(): (i: number) => string {
  const sentences = readJsonl('corpus.jsonl').flatMap((doc) => doc.text.split(/(?<=\.)\s+/)).filter((s) => s.length > 20);
  return (i) => {
    const at = (i * 3 + Math.floor(i / sentences.length) * 7) % sentences.length;
    return sentences.slice(at, at + 3).join(' ');
  };
}

function fillLibrary(services: Services, chunkCount: number, textAt: (i: number) => string): VectorSet {
  const { db } = services;
  const insertDocument = db.prepare(
    `INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, page_count, chunk_count, created_at, updated_at)
     VALUES (1, ?, ?, 'pdf', ?, 0, 'indexed', ?, ?, 0, 0)`,
  );
  const insertChunk = db.prepare(
    `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path) VALUES (?, ?, ?, ?, ?, ?, 0, ?, '')`,
  );
  const insertFts = db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)');
  const set = createVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIMENSION);
  const vectors = clusteredVectors(DIMENSION, { clusters: Math.max(10, Math.round(chunkCount / CHUNKS_PER_TOPIC)), seed: 42 });
  // Documents, chunks and their vectors go in batches: a 1M library never sits in memory at once.
  for (let start = 0; start < chunkCount; start += WRITE_BATCH) {
    const chunkIds: number[] = [];
    db.transaction(() => {
      for (let i = start; i < Math.min(chunkCount, start + WRITE_BATCH); i++) {
        const ordinal = i % CHUNKS_PER_DOCUMENT;
        if (ordinal === 0) insertDocument.run(`/bench/doc${i / CHUNKS_PER_DOCUMENT}.pdf`, `Document ${i / CHUNKS_PER_DOCUMENT}`, `hash${i}`, CHUNKS_PER_DOCUMENT, CHUNKS_PER_DOCUMENT);
        const documentId = Math.floor(i / CHUNKS_PER_DOCUMENT) + 1;
        const text = textAt(i);
        const id = Number(insertChunk.run(documentId, ordinal, text, Math.ceil(text.length / 5), ordinal + 1, ordinal + 1, text.length).lastInsertRowid);
        insertFts.run(id, segmentForIndex(text), '');
        chunkIds.push(id);
      }
    })();
    writeVectorsToSet(db, set, chunkIds, chunkIds.map(() => vectors.next()));
  }
  completeVectorSet(db, set);
  return { ...set, status: 'complete', chunkCount };
}

/**
 * Claims ranked within a workspace, from the resident postings and by FTS5's filtered bm25() (the anchor), top 10 with
 * documents and contexts as keyword search returns them. The workspace holds every other document, so its rows are
 * one run per document (the most runs a workspace of that size can have); the first ranking reads them, timed apart.
 */
function workspaceRankings(services: Services, queries: string[], workspaceId: number) {
  const { db } = services;
  const anchor = db.prepare(
    `SELECT f.rowid AS chunkId, bm25(chunks_fts, 1.0, 1.0, 1.0) AS rank FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id
     WHERE chunks_fts MATCH ? AND d.workspace_id = ? ORDER BY rank LIMIT 10`,
  );
  const postings: number[] = [];
  const fts: number[] = [];
  let identical = 0;
  let compared = 0;
  let firstMs = 0;
  for (const query of queries) {
    const terms = rankedTerms(db, lexicalTerms(db, query));
    if (terms.length === 0) continue;
    const reads = workspaceRowReads(db);
    let started = performance.now();
    const hits = matchChunks(db, terms, { k: 10, workspaceId });
    const ms = performance.now() - started;
    if (workspaceRowReads(db) > reads) firstMs = ms; // the workspace's rows read: not a steady-state figure
    else postings.push(ms);
    started = performance.now();
    const exact = anchor.all(terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR '), workspaceId) as { chunkId: number; rank: number }[];
    fts.push(performance.now() - started);
    if (JSON.stringify(hits.map((hit) => [hit.chunkId, hit.score])) === JSON.stringify(exact.map((row) => [row.chunkId, -row.rank]))) identical++;
    compared++;
  }
  return { postings, fts, agreement: round(identical / compared, 3), firstMs };
}

/** Claims timed as first queries, cold and after the read-ahead of frequent terms' lists. */
const FIRST_QUERIES = 20;
/** Rounds of "index one document, then search" per kind of write. */
const WRITE_ROUNDS = 5;

/**
 * Indexes one more document of CHUNKS_PER_DOCUMENT chunks as ingestion does (chunks and keyword rows in one transaction,
 * through KeywordRowWriter), or, unrecorded, writing chunks_fts directly as a writer the postings are not told of.
 */
function writeDocument(services: Services, textAt: (i: number) => string, recorded: boolean): number {
  const { db } = services;
  const first = (db.prepare('SELECT MAX(id) FROM chunks').pluck().get() as number) + 1;
  const keywordRows = recorded ? new KeywordRowWriter(db) : null;
  const insertFts = db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)');
  const started = performance.now();
  db.transaction(() => {
    const documentId = Number(
      db
        .prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, page_count, chunk_count, created_at, updated_at) VALUES (1, ?, 'Added', 'pdf', ?, 0, 'indexed', 1, ?, 0, 0)`)
        .run(`/bench/added${first}.pdf`, `added${first}`, CHUNKS_PER_DOCUMENT).lastInsertRowid,
    );
    const insertChunk = db.prepare(`INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path) VALUES (?, ?, ?, 1, 1, 1, 0, ?, '')`);
    for (let ordinal = 0; ordinal < CHUNKS_PER_DOCUMENT; ordinal++) {
      const text = textAt(first * 7 + ordinal);
      const id = Number(insertChunk.run(documentId, ordinal, text, text.length).lastInsertRowid);
      if (keywordRows) keywordRows.insert(id, segmentForIndex(text), '', '');
      else insertFts.run(id, segmentForIndex(text), '');
    }
  }).immediate();
  keywordRows?.committed();
  return performance.now() - started;
}

/** The keyword stage of the first bm25 search after each of WRITE_ROUNDS one-document writes, and the writes' own time. */
async function searchAfterWrites(services: Services, queries: string[], textAt: (i: number) => string, recorded: boolean) {
  const write: number[] = [];
  const keyword: number[] = [];
  for (let round = 0; round < WRITE_ROUNDS; round++) {
    write.push(writeDocument(services, textAt, recorded));
    const result = await search(services, { query: queries[round % queries.length], mode: 'bm25', k: 10 });
    keyword.push(result.timings.keywordMs);
  }
  return { write, keyword };
}

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
};
const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;
const summary = (samples: number[]) => ({ p50_ms: percentile(samples, 50), p95_ms: percentile(samples, 95) });
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

async function benchSize(chunkCount: number, queries: string[], freshQueries: string[], textAt: (i: number) => string) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-retrieval-'));
  const services = createServices({ dataDir, mode: 'test' });
  try {
    installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 5);
    const buildStarted = performance.now();
    const set = fillLibrary(services, chunkCount, textAt);
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    services.db.pragma('wal_checkpoint(TRUNCATE)');
    const databaseBytes = statSync(path.join(services.dataDir, DATABASE_FILE)).size;

    // The arena loads in the background (k-means on a sample, then the hot rows page by page); timed alone.
    const arenaStarted = performance.now();
    await warmArena(services.db, set);
    const arenaSeconds = (performance.now() - arenaStarted) / 1000;
    // Then saved beside the database; a later start reads that file instead of rebuilding (timed as one would).
    const saveStarted = performance.now();
    await arenaSaved(services.db, set.id);
    const saveSeconds = (performance.now() - saveStarted) / 1000;
    forgetArena(services.db, set.id);
    const restoreStarted = performance.now();
    const arena = (await warmArena(services.db, set))!;
    const restoreSeconds = (performance.now() - restoreStarted) / 1000;
    if (hotSearchCounts(services.db).restored !== 1) throw new Error('the saved arena was not read back');
    // BM25's row lengths load the same way; then the lists of the most frequent ranked terms are read ahead.
    const keywordIndexStarted = performance.now();
    await warmKeywordIndex(services.db, { budgetBytes: 0 });
    const keywordIndexSeconds = (performance.now() - keywordIndexStarted) / 1000;
    await search(services, { query: 'warm up', mode: 'hybrid' }); // loads the embedding worker once
    // First queries: fresh claims with every list cold (the anchor), then the same claims after the read-ahead alone.
    const firstQueries = async () => {
      const keyword: number[] = [];
      for (const query of freshQueries) keyword.push((await search(services, { query, mode: 'bm25', k: 10 })).timings.keywordMs);
      return keyword;
    };
    clearKeywordPostings(services.db);
    const coldFirst = await firstQueries();
    clearKeywordPostings(services.db);
    const warmStarted = performance.now();
    await warmKeywordIndex(services.db);
    const warmSeconds = (performance.now() - warmStarted) / 1000;
    const warmed = keywordIndexCounts(services.db);
    const warmFirst = await firstQueries();

    const modes = {} as Record<string, { total: number[]; keyword: number[]; vector: number[] }>;
    for (const mode of ['bm25', 'vector', 'hybrid'] as const) {
      modes[mode] = { total: [], keyword: [], vector: [] };
      for (const query of queries) {
        const started = performance.now();
        const result = await search(services, { query, mode, k: 10 });
        modes[mode].total.push(performance.now() - started);
        modes[mode].keyword.push(result.timings.keywordMs);
        modes[mode].vector.push(result.timings.vectorMs);
        if (result.mode !== mode) throw new Error(`asked for ${mode}, got ${result.mode}: ${result.notice}`);
      }
    }
    const rssBytes = process.memoryUsage().rss;

    // The vector index alone on clustered queries: the fast path against exact sqlite-vec float KNN (the anchor).
    const recallVectors = clusteredVectors(DIMENSION, { clusters: Math.max(10, Math.round(chunkCount / CHUNKS_PER_TOPIC)), seed: 42 });
    const anchorQuery = services.db.prepare(`SELECT chunk_id AS chunkId FROM ${set.tableName} WHERE embedding MATCH ? AND k = 10`);
    const fast: number[] = [];
    const anchor: number[] = [];
    let recalled = 0;
    for (let q = 0; q < Math.min(RECALL_QUERIES, queries.length); q++) {
      const vector = recallVectors.query();
      let started = performance.now();
      const hits = nearestChunks(services.db, set, vector, 10);
      fast.push(performance.now() - started);
      started = performance.now();
      const exact = anchorQuery.all(Buffer.from(vector.buffer)) as { chunkId: number }[];
      anchor.push(performance.now() - started);
      const truth = new Set(exact.map((row) => row.chunkId));
      recalled += hits.filter((hit) => truth.has(hit.chunkId)).length / truth.size;
    }
    const recallAt10 = round(recalled / fast.length, 3);

    // BM25 from resident postings against FTS5 ranking the same terms itself (the anchor): top-10 agreement and time.
    const ftsRanking = services.db.prepare('SELECT rowid AS chunkId FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts, 1.0, 1.0, 1.0) LIMIT 10');
    const postingsTimes: number[] = [];
    const ftsTimes: number[] = [];
    let keywordRecalled = 0;
    let keywordCompared = 0;
    for (const query of queries) {
      const terms = rankedTerms(services.db, lexicalTerms(services.db, query));
      if (terms.length === 0) continue;
      let started = performance.now();
      const hits = bm25TopK(services.db, terms, [1, 1, 1], 10);
      postingsTimes.push(performance.now() - started);
      if (!hits) throw new Error(`resident postings could not rank "${query}"`);
      started = performance.now();
      const exact = ftsRanking.all(terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ')) as { chunkId: number }[];
      ftsTimes.push(performance.now() - started);
      const truth = new Set(exact.map((row) => row.chunkId));
      keywordRecalled += truth.size === 0 ? 1 : hits.filter((hit) => truth.has(hit.chunkId)).length / truth.size;
      keywordCompared++;
    }
    // Every other document moved to a second workspace (no keyword write: the postings stay), then claims filtered to it.
    const workspaceId = Number(services.db.prepare("INSERT INTO workspaces (name, created_at) VALUES ('Bench half', 0)").run().lastInsertRowid);
    services.db.prepare('UPDATE documents SET workspace_id = ? WHERE id % 2 = 0').run(workspaceId);
    const inWorkspace = workspaceRankings(services, queries, workspaceId);
    // Last, as they add documents: the first search after a write the postings follow, then after one they were not told of.
    const afterWrite = await searchAfterWrites(services, queries, textAt, true);
    const afterUnrecordedWrite = await searchAfterWrites(services, queries, textAt, false);
    const hybrid = summary(modes.hybrid.total);
    const keywordStage = summary(modes.hybrid.keyword);
    const run = {
      chunks: chunkCount,
      build_s: round(buildSeconds, 1),
      db_mb: mb(databaseBytes),
      rss_mb: mb(rssBytes),
      hybrid_p50_ms: hybrid.p50_ms,
      hybrid_p95_ms: hybrid.p95_ms,
      recall_at_10: recallAt10,
      bm25_p50_ms: keywordStage.p50_ms,
      bm25_p95_ms: keywordStage.p95_ms,
      bm25_recall_at_10: round(keywordRecalled / keywordCompared, 3),
      bm25_after_write_ms: percentile(afterWrite.keyword, 50),
      bm25_first_query_p50_ms: percentile(warmFirst, 50),
      bm25_first_query_cold_p50_ms: percentile(coldFirst, 50),
      workspace_bm25_p50_ms: percentile(inWorkspace.postings, 50),
      workspace_bm25_p95_ms: percentile(inWorkspace.postings, 95),
      workspace_fts5_p50_ms: percentile(inWorkspace.fts, 50),
      workspace_fts5_p95_ms: percentile(inWorkspace.fts, 95),
      workspace_bm25_agreement: inWorkspace.agreement,
    };
    const details = {
      ...run,
      arena: {
        load_s: round(arenaSeconds, 1),
        save_s: round(saveSeconds, 1),
        restore_s: round(restoreSeconds, 2),
        mb: mb(arena.residentBytes()),
        lists: arena.listCount,
        kernels: arena.kernelName,
      },
      keyword_index: {
        lengths_load_s: round(keywordIndexSeconds, 2),
        resident_postings: summary(postingsTimes),
        anchor_fts5_bm25: summary(ftsTimes),
        speedup_p50: round(percentile(ftsTimes, 50) / percentile(postingsTimes, 50), 1),
        // p50 of WRITE_ROUNDS: the keyword stage of the first search after indexing one document, and the write itself.
        // The keyword stage of FIRST_QUERIES fresh claims: with every list cold (anchor), and after the read-ahead.
        first_query: { cold: summary(coldFirst), after_read_ahead: summary(warmFirst), read_ahead_s: round(warmSeconds, 2), lists: warmed.warmedLists, mb: mb(warmed.warmedBytes) },
        after_write: { search_ms: percentile(afterWrite.keyword, 50), write_ms: percentile(afterWrite.write, 50) },
        // Claims filtered to a workspace of every other document: postings against FTS5's filtered ranking, and the first
        // ranking, which read the workspace's rows (one row per document through the chunks index).
        workspace: {
          resident_postings: summary(inWorkspace.postings),
          anchor_fts5_bm25: summary(inWorkspace.fts),
          speedup_p50: round(percentile(inWorkspace.fts, 50) / percentile(inWorkspace.postings, 50), 1),
          first_ranking_ms: round(inWorkspace.firstMs),
          agreement: inWorkspace.agreement,
        },
        anchor_after_unrecorded_write: { search_ms: percentile(afterUnrecordedWrite.keyword, 50), write_ms: percentile(afterUnrecordedWrite.write, 50) },
      },
      search: Object.fromEntries(
        Object.entries(modes).map(([mode, t]) => [
          mode,
          { ...summary(t.total), keyword_p50_ms: percentile(t.keyword, 50), keyword_p95_ms: percentile(t.keyword, 95), vector_p50_ms: percentile(t.vector, 50) },
        ]),
      ),
      vector_index: { fast_path: summary(fast), anchor_exact_float_knn: summary(anchor), speedup_p50: round(percentile(anchor, 50) / percentile(fast, 50), 1) },
    };
    forgetArena(services.db, set.id);
    return { run, details };
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const allQueries = readJsonl('queries.jsonl').map((q) => q.text);
const queries = allQueries.slice(0, QUERIES);
/** Claims outside the timed set, for the first-query figures. */
const freshQueries = allQueries.slice(QUERIES, QUERIES + FIRST_QUERIES);
const textAt = chunkTexts();
const results = [];
for (const size of SIZES) results.push(await benchSize(size, queries, freshQueries, textAt));
const targets = (chunks: number) => (chunks >= 1_000_000 ? 60 : chunks >= 100_000 ? 20 : null);
const output = args.json
  ? { runs: results.map((r) => r.run) }
  : {
      bench: 'retrieval',
      machine: { cpus: os.availableParallelism(), node: process.versions.node, loadavg_1m: round(os.loadavg()[0]) },
      queries: queries.length,
      k: 10,
      note: 'hybrid = query embedding (tiny generated model) + BM25 + vector (int8 arena + exact rescoring) + RRF + MMR + provenance load',
      targets: results.map(({ run }) => ({ chunks: run.chunks, hybrid_p95_below_ms: targets(run.chunks), met: targets(run.chunks) === null ? null : run.hybrid_p95_ms < targets(run.chunks)!, recall_at_10_at_least: 0.95, recall_met: run.recall_at_10 >= 0.95 })),
      results: results.map((r) => r.details),
    };
process.stdout.write(JSON.stringify(output, null, args.json ? undefined : 2) + '\n');
