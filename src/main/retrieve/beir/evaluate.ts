import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SearchMode } from '../../../shared/contract/search';
import { AppError } from '../../../shared/errors';
import { getActiveEmbedding } from '../../embed/index';
import { storeParsedDocument } from '../../ingest/library-store';
import { parseFile, type ParsedDocument } from '../../ingest/parse';
import { estimatedTokenCounter, loadTokenCounter } from '../../ingest/tokens';
import { modelsDir } from '../../platform/paths';
import { createServices, type Services } from '../../services';
import { search, type SearchOptions } from '../search';
import { loadBeir, type BeirDocument } from './load';
import { mrrAtK, ndcgAtK, percentile, recallAtK } from './metrics';

// `lockstep eval retrieval`: indexes a BEIR folder into a throwaway library through the real ingestion path
// (Markdown file → parser → chunker → pages/chunks/FTS/vectors in one transaction), runs every judged query, scores it.

export interface EvalOptions {
  beirDir: string;
  split: string;
  mode: SearchMode;
  /** Where installed models are found (the user's data folder); the temporary library links to its models. */
  dataDir: string;
  embedderId: string;
  chunkTokens: number;
  /** Evaluate only the first n judged queries (quick runs). */
  limitQueries?: number;
  search?: Pick<SearchOptions, 'keyword'> & { vectorWeight?: number };
  onProgress?: (line: string) => void;
}

export interface EvalReport {
  dataset: string;
  split: string;
  mode: SearchMode;
  embeddingModel: string | null;
  documents: number;
  chunks: number;
  queries: number;
  metrics: { ndcgAt10: number; recallAt10: number; recallAt100: number; mrrAt10: number };
  latencyMs: { p50: number; p95: number };
  indexSeconds: number;
}

/** Chunks fetched per query; documents are ranked by their best chunk, so this covers Recall@100 with room to spare. */
const CHUNKS_PER_QUERY = 200;
/** Documents parsed, embedded and written per round. */
const DOCUMENTS_PER_ROUND = 32;

export async function evaluateRetrieval(options: EvalOptions): Promise<EvalReport> {
  const dataset = await loadBeir(options.beirDir, options.split);
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-eval-'));
  const sourceDir = path.join(tempDir, 'sources');
  const libraryDir = path.join(tempDir, 'library');
  let services: Services | undefined;
  try {
    mkdirSync(libraryDir, { recursive: true });
    mkdirSync(sourceDir, { recursive: true });
    if (existsSync(modelsDir(options.dataDir))) symlinkSync(modelsDir(options.dataDir), modelsDir(libraryDir), 'dir');
    services = createServices({ dataDir: libraryDir, mode: 'cli' });
    services.settings.update({ embedderId: options.embedderId, chunkTokens: options.chunkTokens });
    const started = performance.now();
    const { docIdOf, chunks } = await indexCorpus(services, dataset.corpus, sourceDir, options);
    const indexSeconds = (performance.now() - started) / 1000;

    const queries = dataset.queries.slice(0, options.limitQueries ?? dataset.queries.length);
    const scores = { ndcgAt10: 0, recallAt10: 0, recallAt100: 0, mrrAt10: 0 };
    const latencies: number[] = [];
    let embeddingModel: string | null = null;
    for (const [i, query] of queries.entries()) {
      const request = { query: query.text, k: CHUNKS_PER_QUERY, mode: options.mode, lambda: 1, vectorWeight: options.search?.vectorWeight };
      // No reranker, even one installed in LOCKSTEP_MODELS_DIR: the figures measure first-stage retrieval.
      const result = await search(services, request, { keyword: options.search?.keyword, reranker: null });
      if (options.mode !== 'bm25' && result.mode !== options.mode) throw new AppError('embedder_missing', result.notice ?? 'No semantic index is available.');
      embeddingModel = result.embeddingModel;
      latencies.push(result.timings.totalMs);
      const ranked = [...new Set(result.hits.map((hit) => docIdOf.get(hit.document.id)!))];
      const judged = dataset.qrels.get(query.id)!;
      scores.ndcgAt10 += ndcgAtK(ranked, judged, 10);
      scores.recallAt10 += recallAtK(ranked, judged, 10);
      scores.recallAt100 += recallAtK(ranked, judged, 100);
      scores.mrrAt10 += mrrAtK(ranked, judged, 10);
      if ((i + 1) % 100 === 0) options.onProgress?.(`searched ${i + 1} of ${queries.length} queries`);
    }
    const round = (value: number) => Math.round((value / queries.length) * 10_000) / 10_000;
    return {
      dataset: path.resolve(options.beirDir),
      split: options.split,
      mode: options.mode,
      embeddingModel,
      documents: dataset.corpus.length,
      chunks,
      queries: queries.length,
      metrics: { ndcgAt10: round(scores.ndcgAt10), recallAt10: round(scores.recallAt10), recallAt100: round(scores.recallAt100), mrrAt10: round(scores.mrrAt10) },
      latencyMs: { p50: Math.round(percentile(latencies, 50) * 100) / 100, p95: Math.round(percentile(latencies, 95) * 100) / 100 },
      indexSeconds: Math.round(indexSeconds * 10) / 10,
    };
  } finally {
    await services?.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Each BEIR document becomes a Markdown file (# title, then the text) and goes through parseFile and storeParsedDocument. */
async function indexCorpus(services: Services, corpus: BeirDocument[], sourceDir: string, options: EvalOptions) {
  const { db } = services;
  const embedding = options.mode === 'bm25' ? null : await getActiveEmbedding(services);
  if (options.mode !== 'bm25' && !embedding) {
    throw new AppError('embedder_missing', `Evaluating ${options.mode} search needs the embedding model ${options.embedderId}. Install it with: lockstep models pull ${options.embedderId}`);
  }
  const tokenizerFolder = (await services.embeddings.targetModel())?.folder;
  const counter = tokenizerFolder ? await loadTokenCounter(tokenizerFolder) : estimatedTokenCounter;
  const now = Date.now();
  const jobId = Number(
    db.prepare(`INSERT INTO jobs (kind, payload_json, state, created_at, updated_at) VALUES ('eval-ingest', '{}', 'running', ?, ?)`).run(now, now).lastInsertRowid,
  );
  const insertDocument = db.prepare(
    `INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, ?, 'markdown', ?, 0, 'processing', ?, ?)`,
  );
  const docIdOf = new Map<number, string>();
  let chunks = 0;
  for (let start = 0; start < corpus.length; start += DOCUMENTS_PER_ROUND) {
    const round: { doc: BeirDocument; file: string; parsed: ParsedDocument }[] = [];
    for (const [offset, doc] of corpus.slice(start, start + DOCUMENTS_PER_ROUND).entries()) {
      const file = path.join(sourceDir, `${start + offset}.md`);
      writeFileSync(file, `# ${doc.title.replace(/\s+/g, ' ').trim() || doc.id}\n\n${doc.text.trim()}\n`);
      const parsed = await parseFile({ filePath: file, chunkTokens: options.chunkTokens }, counter, () => {});
      if (parsed.status !== 'indexed') throw new AppError('beir_invalid', `Document ${doc.id} could not be indexed: ${parsed.problem.message}`);
      round.push({ doc, file, parsed });
    }
    const texts = round.flatMap((entry) => entry.parsed.chunks.map((chunk) => chunk.text));
    const vectors = embedding ? await embedding.embedPassages(texts) : null;
    let offset = 0;
    for (const { doc, file, parsed } of round) {
      const documentId = Number(insertDocument.run(file, parsed.title, `beir:${doc.id}`, now, now).lastInsertRowid);
      docIdOf.set(documentId, doc.id);
      const own = vectors?.slice(offset, offset + parsed.chunks.length);
      offset += parsed.chunks.length;
      chunks += parsed.chunks.length;
      storeParsedDocument(db, documentId, jobId, parsed, { contentHash: `beir:${doc.id}`, sizeBytes: 0, mtimeMs: null }, own && embedding ? { vectors: own, write: (_db, ids, v) => embedding.writeVectors(ids, v) } : null);
    }
    if ((start / DOCUMENTS_PER_ROUND) % 20 === 0) options.onProgress?.(`indexed ${Math.min(start + DOCUMENTS_PER_ROUND, corpus.length)} of ${corpus.length} documents`);
  }
  return { docIdOf, chunks };
}
