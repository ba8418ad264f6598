import { z } from 'zod';
import { call, stream } from './define';

// Search over the indexed chunks (BM25 + vectors, fused) and the state of the semantic index.

export const searchMode = z.enum(['bm25', 'vector', 'hybrid']);
export type SearchMode = z.infer<typeof searchMode>;

export const searchRequest = z.object({
  query: z.string().trim().min(1, 'Type something to search for.').max(2000, 'Keep searches under 2,000 characters.'),
  /** Hits to return. */
  k: z.number().int().min(1).max(200).default(10),
  mode: searchMode.default('hybrid'),
  workspaceId: z.number().int().positive().optional(),
  /** Restrict to these documents (e.g. the ones selected in the library). */
  documentIds: z.array(z.number().int().positive()).max(10_000).optional(),
  /** MMR trade-off: 1 = pure relevance order, lower = more varied passages. */
  lambda: z.number().min(0).max(1).default(0.75),
  /** RRF weight of vector hits relative to BM25 hits (1 = equal); the vectorSearchWeight setting when omitted. */
  vectorWeight: z.number().min(0).max(10).optional(),
});
export type SearchRequest = z.input<typeof searchRequest>;

export const searchHit = z.object({
  chunkId: z.number().int(),
  /** Final fused score (RRF), higher is better; comparable only within one result list. */
  score: z.number(),
  /** Per-signal evidence: rank (1-based) and raw score in that signal's list, null when the signal did not find it. */
  signals: z.object({
    bm25: z.object({ rank: z.number().int(), score: z.number() }).nullable(),
    vector: z.object({ rank: z.number().int(), similarity: z.number() }).nullable(),
  }),
  document: z.object({ id: z.number().int(), title: z.string(), path: z.string(), type: z.string(), workspaceId: z.number().int() }),
  /** 1-based page (slide, sheet) range and the printed labels of its ends (e.g. "iv"), when the document has them. */
  pages: z.object({ start: z.number().int(), end: z.number().int(), labelStart: z.string().nullable(), labelEnd: z.string().nullable() }),
  /** Offsets of the chunk in its first page's text and its last page's text. */
  offsets: z.object({ start: z.number().int(), end: z.number().int() }),
  /** Headings above the chunk, joined with " › ". */
  headingPath: z.string(),
  /** The chunk's contextual header: its document's organisation, form and period, its statement or table title. */
  context: z.string(),
  kind: z.string(),
  text: z.string(),
});
export type SearchHit = z.infer<typeof searchHit>;

/** Where a hit lies, in the fields an answer's sources and passages name it by. */
export function hitLocation(hit: SearchHit) {
  return {
    chunkId: hit.chunkId,
    documentId: hit.document.id,
    documentTitle: hit.document.title,
    documentPath: hit.document.path,
    pageStart: hit.pages.start,
    pageEnd: hit.pages.end,
    label: hit.pages.labelStart,
  };
}

/** Why a search ran on keywords alone or on an older index; the UI words its notice by it. */
export const searchNoticeReason = z.enum([
  'no_embedder', // no embedding model is installed
  'embedder_failed', // the embedding model failed on this query
  'index_building', // the first semantic index is being built
  'index_model_missing', // the model that built the semantic index is no longer installed
  'index_changed', // the semantic index was replaced while the query was embedded
  'reindexing', // the library's vectors are being rebuilt with another model; the old ones still answer
  'reindex_failed', // rebuilding with another model stopped; the old vectors still answer
]);
export type SearchNoticeReason = z.infer<typeof searchNoticeReason>;

export const searchResult = z.object({
  hits: z.array(searchHit),
  /** The mode actually used: 'bm25' when vectors were asked for but no semantic index is available. */
  mode: searchMode,
  /** A sentence for the user when results are keyword-only or partial (no embedder, index building), else null. */
  notice: z.string().nullable(),
  /** Why `notice` is set (absent when it is null). */
  noticeReason: searchNoticeReason.optional(),
  /** The embedding model whose vectors were searched, null for keyword-only results. */
  embeddingModel: z.string().nullable(),
  timings: z.object({ keywordMs: z.number(), vectorMs: z.number(), totalMs: z.number() }),
});
export type SearchResult = z.infer<typeof searchResult>;

export const embeddingStatus = z.object({
  /** The vector set searches use, null while none is complete. */
  searchable: z.object({ modelId: z.string(), dimension: z.number().int(), chunkCount: z.number().int(), completedAt: z.number().nullable() }).nullable(),
  /** The model new passages are embedded with, null when no embedder is installed. */
  target: z.object({ modelId: z.string(), dimension: z.number().int() }).nullable(),
  /** Background re-embedding after a model change: passages done/total, ETA; state 'failed' carries the reason. */
  reembed: z
    .object({
      modelId: z.string(),
      dimension: z.number().int(),
      done: z.number().int(),
      total: z.number().int(),
      startedAt: z.number(),
      etaSeconds: z.number().nullable(),
      state: z.enum(['running', 'failed']),
      error: z.string().nullable(),
    })
    .nullable(),
  /** Why semantic search is off or partial, as a sentence for the user; null when all is well. */
  notice: z.string().nullable(),
  /** A catalog embedder to offer (Xenova/multilingual-e5-small when most documents are not English), else null. */
  suggestedModelId: z.string().nullable(),
});
export type EmbeddingStatusView = z.infer<typeof embeddingStatus>;

export const search = {
  /** Hybrid (or bm25 / vector) search with filters; hits carry provenance and per-signal scores. */
  query: call(searchRequest, searchResult),
  /** The semantic index right now: which model, how many passages, any re-embedding in progress. */
  embeddingStatus: call(z.object({}), embeddingStatus),
  /** Emits the status now and on every change (re-embedding progress about once per 64 passages). */
  watchEmbeddingStatus: stream(z.object({}), embeddingStatus),
};
