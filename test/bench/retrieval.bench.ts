// npm run bench:retrieval — query latency of bm25, vector and hybrid search over 10k and 100k chunks, index size on disk,
// and the anchor measured in the same run: an exact sqlite-vec float[384] scan (the straightforward vector index), with
// the recall@10 of Lockstep's signature pre-selection + exact rescoring against it. Prints one JSON object.
// Chunk texts are real SciFact sentences; vectors are random unit vectors (speed does not depend on their values);
// queries are real SciFact claims embedded by a generated tiny model through the real transformers.js path.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../../src/main/services';
import { search } from '../../src/main/retrieve/index';
import { completeVectorSet, createVectorSet, EXACT_SCAN_LIMIT, nearestChunks, writeVectorsToSet } from '../../src/main/embed/vector-store';
import { forgetSignatures } from '../../src/main/embed/signature-index';
import { segmentForIndex } from '../../src/main/text/segment';
import { DATABASE_FILE } from '../../src/main/store/db';
import { installTinyEmbedder, seededRandom } from '../fixtures/embed/tiny-embedder';
import { corpusFile } from '../support/corpus';

const DIMENSION = 384;
const SIZES = (process.env.RETRIEVAL_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const QUERIES = Number(process.env.RETRIEVAL_BENCH_QUERIES ?? 200);
const CHUNKS_PER_DOCUMENT = 100;

const readJsonl = (file: string) =>
  readFileSync(corpusFile(`corpus/scifact/${file}`), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { _id: string; title?: string; text: string });

/** Chunk texts of ~3 consecutive SciFact sentences, cycling through the corpus with a different start each lap. */
function chunkTexts(count: number): string[] {
  const sentences = readJsonl('corpus.jsonl').flatMap((doc) => doc.text.split(/(?<=\.)\s+/)).filter((s) => s.length > 20);
  return Array.from({ length: count }, (_, i) => {
    const at = (i * 3 + Math.floor(i / sentences.length) * 7) % sentences.length;
    return sentences.slice(at, at + 3).join(' ');
  });
}

function randomUnitVector(random: () => number): Float32Array {
  const v = new Float32Array(DIMENSION);
  let norm = 0;
  for (let d = 0; d < DIMENSION; d++) {
    v[d] = random() * 2 - 1;
    norm += v[d] * v[d];
  }
  norm = Math.sqrt(norm);
  for (let d = 0; d < DIMENSION; d++) v[d] /= norm;
  return v;
}

function fillLibrary(services: Services, texts: string[]) {
  const { db } = services;
  const random = seededRandom(42);
  const insertDocument = db.prepare(
    `INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, page_count, chunk_count, created_at, updated_at)
     VALUES (1, ?, ?, 'pdf', ?, 0, 'indexed', ?, ?, 0, 0)`,
  );
  const insertChunk = db.prepare(
    `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, char_start, char_end, heading_path) VALUES (?, ?, ?, ?, ?, ?, 0, ?, '')`,
  );
  const insertFts = db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)');
  const chunkIds: number[] = [];
  db.transaction(() => {
    for (let doc = 0; doc * CHUNKS_PER_DOCUMENT < texts.length; doc++) {
      const documentId = Number(insertDocument.run(`/bench/doc${doc}.pdf`, `Document ${doc}`, `hash${doc}`, CHUNKS_PER_DOCUMENT, CHUNKS_PER_DOCUMENT).lastInsertRowid);
      for (let ordinal = 0; ordinal < CHUNKS_PER_DOCUMENT && doc * CHUNKS_PER_DOCUMENT + ordinal < texts.length; ordinal++) {
        const text = texts[doc * CHUNKS_PER_DOCUMENT + ordinal];
        const id = Number(insertChunk.run(documentId, ordinal, text, Math.ceil(text.length / 5), ordinal + 1, ordinal + 1, text.length).lastInsertRowid);
        insertFts.run(id, segmentForIndex(text), '');
        chunkIds.push(id);
      }
    }
  })();
  const set = createVectorSet(db, 'Xenova/all-MiniLM-L6-v2', DIMENSION);
  const vectors = chunkIds.map(() => randomUnitVector(random));
  for (let start = 0; start < chunkIds.length; start += 5000) writeVectorsToSet(db, set, chunkIds.slice(start, start + 5000), vectors.slice(start, start + 5000));
  completeVectorSet(db, set);
  // The anchor: the same vectors in a plain sqlite-vec float table, scanned exactly.
  db.exec(`CREATE VIRTUAL TABLE anchor_vectors USING vec0(chunk_id integer primary key, embedding float[${DIMENSION}] distance_metric=cosine)`);
  const insertAnchor = db.prepare('INSERT INTO anchor_vectors (chunk_id, embedding) VALUES (?, ?)');
  db.transaction(() => chunkIds.forEach((id, i) => insertAnchor.run(BigInt(id), Buffer.from(vectors[i].buffer))))();
  return { set: { ...set, status: 'complete' as const, chunkCount: chunkIds.length }, queryVectors: Array.from({ length: QUERIES }, () => randomUnitVector(random)) };
}

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 100) / 100;
};
const summary = (samples: number[]) => ({ p50_ms: percentile(samples, 50), p95_ms: percentile(samples, 95) });

function sizeOnDisk(services: Services) {
  services.db.pragma('wal_checkpoint(TRUNCATE)');
  const tables = services.db.prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name`).all() as { name: string; bytes: number }[];
  const sum = (test: (name: string) => boolean) => tables.filter((t) => test(t.name)).reduce((total, t) => total + t.bytes, 0);
  return {
    database_bytes: statSync(path.join(services.dataDir, DATABASE_FILE)).size,
    keyword_index_bytes: sum((name) => name.startsWith('chunks_fts')),
    // vec0: float32 vectors (exact KNN of small sets) + 1-bit signatures; rowid table: float32 copies for rescoring/MMR
    vector_vec0_bytes: sum((name) => name.startsWith('vec_set_')),
    vector_rescoring_table_bytes: sum((name) => name.startsWith('embeddings_')),
    chunk_rows_bytes: sum((name) => name === 'chunks' || name.startsWith('sqlite_autoindex_chunks')),
    anchor_float_index_bytes: sum((name) => name.startsWith('anchor_vectors')),
  };
}

async function benchSize(chunkCount: number, queries: string[]) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-bench-retrieval-'));
  const services = createServices({ dataDir, mode: 'test' });
  try {
    installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 5);
    const buildStarted = performance.now();
    const { set, queryVectors } = fillLibrary(services, chunkTexts(chunkCount));
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    await search(services, { query: 'warm up', mode: 'hybrid' }); // loads the embedding worker once

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

    // After another process writes vectors the in-memory signature index is rebuilt on the next search: its cost.
    forgetSignatures(services.db, set.id, 'all');
    const reloadStarted = performance.now();
    nearestChunks(services.db, set, queryVectors[0], 10);
    const firstSearchAfterWriteMs = Math.round((performance.now() - reloadStarted) * 100) / 100;

    // Vector index alone on random query vectors: ours (signature scan + exact rescoring) vs the exact float scan.
    const anchorQuery = services.db.prepare('SELECT chunk_id AS chunkId FROM anchor_vectors WHERE embedding MATCH ? AND k = 10');
    const ours: number[] = [];
    const anchor: number[] = [];
    let recalled = 0;
    for (const vector of queryVectors) {
      let started = performance.now();
      const hits = nearestChunks(services.db, set, vector, 10);
      ours.push(performance.now() - started);
      started = performance.now();
      const exact = anchorQuery.all(Buffer.from(vector.buffer)) as { chunkId: number }[];
      anchor.push(performance.now() - started);
      const truth = new Set(exact.map((row) => row.chunkId));
      recalled += hits.filter((hit) => truth.has(hit.chunkId)).length / truth.size;
    }
    return {
      chunks: chunkCount,
      build_seconds: Math.round(buildSeconds * 10) / 10,
      search: Object.fromEntries(
        Object.entries(modes).map(([mode, t]) => [mode, { ...summary(t.total), keyword_p50_ms: percentile(t.keyword, 50), vector_p50_ms: percentile(t.vector, 50) }]),
      ),
      vector_index: {
        lockstep: { ...summary(ours), method: chunkCount > EXACT_SCAN_LIMIT ? 'in-memory 1-bit signature pre-selection (1000) + exact rescoring' : 'sqlite-vec exact KNN' },
        anchor_exact_float_scan: summary(anchor),
        recall_at_10_vs_exact: Math.round((recalled / queryVectors.length) * 1000) / 1000,
        first_search_after_another_process_wrote_ms: chunkCount > EXACT_SCAN_LIMIT ? firstSearchAfterWriteMs : null,
      },
      disk: sizeOnDisk(services),
    };
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const queries = readJsonl('queries.jsonl').slice(0, QUERIES).map((q) => q.text);
const results = [];
for (const size of SIZES) results.push(await benchSize(size, queries));
const largest = results.at(-1)!;
process.stdout.write(
  JSON.stringify(
    {
      bench: 'retrieval',
      machine: { cpus: os.availableParallelism(), node: process.versions.node },
      queries: queries.length,
      k: 10,
      note: 'total = query embedding (tiny generated model, ~1 ms) + BM25 + vector KNN + RRF + MMR + provenance load',
      target: { hybrid_p95_ms_at_100k_below: 50, met: largest.chunks >= 100_000 ? (largest.search.hybrid as { p95_ms: number }).p95_ms < 50 : null },
      results,
    },
    null,
    2,
  ) + '\n',
);
