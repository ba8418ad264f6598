import { performance } from 'node:perf_hooks';
import { searchRequest, type SearchHit, type SearchMode, type SearchNoticeReason, type SearchRequest, type SearchResult } from '../../shared/contract/search';
import { AppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import type { EmbeddingService } from '../embed/service';
import { nearestChunks, vectorsOfChunks, type VectorSet } from '../embed/vector-store';
import type { Db } from '../store/db';
import { cosineSimilarity, diversify, termOverlap } from './diversify';
import { fuseRankings, type RankedList } from './fuse';
import { queryTerms } from './keyword-query';
import type { KeywordHit } from './keyword-search';
import { lexicalSearch, type LexicalTuning } from './lexical-search';
import { loadChunks } from './provenance';
import { rerankCandidates, type PassageScorer } from './rerank';

/** What search needs (services.ts provides it): the library, the fusion weight setting and the query embedder. */
export interface SearchContext {
  db: Db;
  settings: { get(): Pick<Settings, 'vectorSearchWeight'> };
  embeddings: Pick<EmbeddingService, 'embedQuery'>;
  /** The installed reranker to use when the caller names none (reranker.ts); absent or undefined: no rerank stage. */
  reranker?(): Promise<PassageScorer | undefined>;
}

export interface SearchOptions {
  /** BM25 tuning (column weights, common-term pruning, document routing, RM3 feedback). */
  keyword?: LexicalTuning;
  /** A reranking stage over the fused candidates (rerank.ts); null for none; unset: the context's installed reranker, if any. */
  reranker?: PassageScorer | null;
  signal?: AbortSignal;
}

/** Candidates fetched from each signal before fusion and MMR. */
const candidateDepth = (k: number, lambda: number, mode: SearchMode) => (mode === 'hybrid' || lambda < 1 ? Math.max(2 * k, 20) : k);

/**
 * Hybrid search: BM25 candidates from FTS5 and nearest neighbours from the newest complete vector set, fused with RRF,
 * then diversified with MMR. Falls back to BM25 alone, with a notice, when no semantic index can answer.
 */
export async function search(services: SearchContext, request: SearchRequest, options: SearchOptions = {}): Promise<SearchResult> {
  const parsed = searchRequest.safeParse(request);
  if (!parsed.success) throw new AppError('invalid_search', parsed.error.issues[0]?.message ?? 'That search request is not valid.');
  const { query, k, mode: requestedMode, workspaceId, documentIds, lambda } = parsed.data;
  const vectorWeight = parsed.data.vectorWeight ?? services.settings.get().vectorSearchWeight;
  const { db } = services;
  const started = performance.now();
  const filter = { workspaceId, documentIds };

  // The query is embedded in the worker while BM25 runs here; one event-loop turn lets the request reach the worker first.
  const embedding = requestedMode === 'bm25' ? null : services.embeddings.embedQuery(query, options.signal);
  embedding?.catch(() => {}); // observed below; this only keeps an early rejection from counting as unhandled meanwhile
  if (embedding) await new Promise((resolve) => setImmediate(resolve));
  const runKeyword = () => {
    const keywordStarted = performance.now();
    const hits = lexicalSearch(db, query, { k: candidateDepth(k, lambda, requestedMode), ...options.keyword, ...filter });
    return { hits, ms: performance.now() - keywordStarted };
  };
  let keyword = requestedMode === 'vector' ? null : runKeyword();

  let notice: string | null = null;
  let noticeReason: SearchNoticeReason | undefined;
  let vectorHits: { chunkId: number; similarity: number }[] = [];
  let vectorMs = 0;
  let vectorSet: VectorSet | null = null;
  const embedded = await embedding;
  if (embedded) {
    notice = embedded.notice;
    noticeReason = embedded.noticeReason;
    // From here on everything is synchronous, so the set cannot be retired under the query.
    if (embedded.query) {
      const vectorStarted = performance.now();
      vectorSet = embedded.query.set;
      vectorHits = nearestChunks(db, vectorSet, embedded.query.vector, candidateDepth(k, lambda, requestedMode), filter);
      vectorMs = performance.now() - vectorStarted;
    }
  }
  const mode: SearchMode = vectorSet ? requestedMode : 'bm25';
  if (mode === 'bm25') keyword ??= runKeyword(); // vector search was asked for but no semantic index can answer
  const keywordHits: KeywordHit[] = keyword?.hits ?? [];
  const keywordMs = keyword?.ms ?? 0;

  const lists: RankedList[] = [];
  if (mode !== 'vector') lists.push({ signal: 'bm25', weight: 1, ids: keywordHits.map((hit) => hit.chunkId) });
  if (mode !== 'bm25') lists.push({ signal: 'vector', weight: vectorWeight, ids: vectorHits.map((hit) => hit.chunkId) });
  const fused = fuseRankings(lists);
  const chunks = loadChunks(db, fused.map((candidate) => candidate.chunkId));
  let live = fused.filter((candidate) => chunks.has(candidate.chunkId));
  // Read before the rerank stage awaits: a finished re-embed may retire (drop) the set in the meantime.
  const similarity = similarityFor(db, vectorSet, live.map((c) => c.chunkId), (id) => chunks.get(id)!.text, lambda);
  const reranker = options.reranker === undefined ? await services.reranker?.() : options.reranker;
  if (reranker) live = await rerankCandidates(query, live, (c) => chunks.get(c.chunkId)!, reranker, options.signal);

  const topScore = live[0]?.fused ?? 1;
  const picked = diversify(
    live.map((candidate) => ({ item: candidate, relevance: candidate.fused / topScore })),
    k,
    lambda,
    (a, b) => similarity(a.chunkId, b.chunkId),
  );

  const keywordById = new Map(keywordHits.map((hit) => [hit.chunkId, hit.score]));
  const vectorById = new Map(vectorHits.map((hit) => [hit.chunkId, hit.similarity]));
  const hits: SearchHit[] = picked.map((candidate) => ({
    ...chunks.get(candidate.chunkId)!,
    score: candidate.fused,
    signals: {
      bm25: candidate.ranks.bm25 ? { rank: candidate.ranks.bm25, score: keywordById.get(candidate.chunkId)! } : null,
      vector: candidate.ranks.vector ? { rank: candidate.ranks.vector, similarity: vectorById.get(candidate.chunkId)! } : null,
    },
  }));
  return {
    hits,
    mode,
    notice: requestedMode === 'bm25' ? null : notice,
    ...(requestedMode !== 'bm25' && notice && noticeReason ? { noticeReason } : {}),
    embeddingModel: vectorSet?.modelId ?? null,
    timings: { keywordMs, vectorMs, totalMs: performance.now() - started },
  };
}

/** Passage similarity for MMR: cosine of their vectors when a set is searched, else overlap of their terms. */
function similarityFor(
  db: Db,
  vectorSet: VectorSet | null,
  chunkIds: number[],
  textOf: (chunkId: number) => string,
  lambda: number,
): (a: number, b: number) => number {
  if (lambda >= 1) return () => 0;
  const vectors = vectorSet ? vectorsOfChunks(db, vectorSet, chunkIds) : new Map<number, Float32Array>();
  const terms = new Map<number, Set<string>>();
  const termsOf = (id: number) => {
    let set = terms.get(id);
    if (!set) terms.set(id, (set = new Set(queryTerms(textOf(id), Infinity))));
    return set;
  };
  return (a, b) => {
    const va = vectors.get(a);
    const vb = vectors.get(b);
    return va && vb ? Math.max(0, cosineSimilarity(va, vb)) : termOverlap(termsOf(a), termsOf(b));
  };
}
