import { routeWholeDocuments, search, type SearchContext } from '../retrieve/index';
import { pagesReadByOcr } from '../ingest/library-queries';
import type { Db } from '../store/db';
import { hitLocation, type SearchNoticeReason } from '../../shared/contract/search';

/** A passage handed to the model as one numbered source, with the provenance needed to cite it. */
export interface Passage {
  chunkId: number | null;
  documentId: number;
  documentTitle: string;
  documentPath: string;
  pageStart: number;
  pageEnd: number;
  label: string | null;
  text: string;
  score: number;
  /** Its pages were read by OCR. */
  ocr?: boolean;
}

export interface PassageSearch {
  query: string;
  k: number;
  workspaceId: number;
  documentIds?: number[];
}

/** Where answers get their passages. */
export interface PassageSource {
  /** Relevant passages, best first; `notice` says when search ran on keywords alone or on a partial index, `noticeReason` why. */
  search(request: PassageSearch): Promise<{ passages: Passage[]; notice: string | null; noticeReason?: SearchNoticeReason }>;
  /** The documents' pages in order when they all fit `budgetTokens`, else null (then search them instead). */
  wholeDocuments(documentIds: number[], budgetTokens: number, countTokens: (text: string) => number): Passage[] | null;
  /** One document's pages in order (quick actions), with its workspace; null when there is no such document. */
  document(documentId: number): { workspaceId: number; pages: Passage[] } | null;
}

/** The pages of one document in reading order, each a passage (whole-document routing and quick actions). */
export function documentPages(db: Db, documentId: number): Passage[] {
  const rows = db
    .prepare(
      `SELECT d.id AS documentId, d.title AS documentTitle, d.path AS documentPath, p.page_number AS page, p.label, p.text,
         p.ocr_confidence IS NOT NULL AS ocr
       FROM pages p JOIN documents d ON d.id = p.document_id WHERE p.document_id = ? ORDER BY p.page_number`,
    )
    .all(documentId) as { documentId: number; documentTitle: string; documentPath: string; page: number; label: string | null; text: string; ocr: number }[];
  return rows
    .filter((row) => row.text.trim().length > 0)
    .map(({ ocr, ...row }) => ({ chunkId: null, ...row, pageStart: row.page, pageEnd: row.page, label: row.label, score: 1, ...(ocr ? { ocr: true } : {}) }));
}

/** Vector similarity below which a passage the keywords did not find counts as unrelated (cosine, normalised embeddings). */
export const MIN_VECTOR_SIMILARITY = 0.35;

/**
 * Passages from the retrieval area's hybrid search (BM25 + vectors, fused, MMR) and its whole-document routing.
 * Hybrid search always returns nearest neighbours, so a hit only counts as relevant when the keywords found it too
 * or its similarity clears MIN_VECTOR_SIMILARITY: that is what lets documents mode say "not found".
 */
export function retrievalPassageSource(services: SearchContext): PassageSource {
  const { db } = services;
  return {
    async search({ query, k, workspaceId, documentIds }) {
      const result = await search(services, { query, k, mode: 'hybrid', workspaceId, documentIds });
      const relevant = result.hits.filter((hit) => hit.signals.bm25 !== null || (hit.signals.vector?.similarity ?? 0) >= MIN_VECTOR_SIMILARITY);
      return {
        passages: relevant.map((hit) => ({
          ...hitLocation(hit),
          text: hit.text,
          score: hit.score,
          ...(pagesReadByOcr(db, hit.document.id, hit.pages.start, hit.pages.end) ? { ocr: true } : {}),
        })),
        notice: result.notice ?? (result.mode === 'bm25' ? 'Searched by keywords only: install an embedding model for meaning-based search.' : null),
        ...(result.notice ? (result.noticeReason ? { noticeReason: result.noticeReason } : {}) : result.mode === 'bm25' ? { noticeReason: 'no_embedder' as const } : {}),
      };
    },
    document(documentId) {
      const row = db.prepare('SELECT workspace_id AS workspaceId FROM documents WHERE id = ?').get(documentId) as { workspaceId: number } | undefined;
      return row ? { workspaceId: row.workspaceId, pages: documentPages(db, documentId) } : null;
    },
    wholeDocuments(documentIds, budgetTokens, countTokens) {
      // Routing sizes documents with the embedder's token counts; the answering model's tokenizer has the last word.
      const routed = routeWholeDocuments(services, { documentIds, budgetTokens });
      if (!routed) return null;
      const pages = routed.documents.flatMap((doc) => documentPages(db, doc.documentId));
      const tokens = pages.reduce((sum, page) => sum + countTokens(page.text) + 16, 0);
      return tokens <= budgetTokens ? pages : null;
    },
  };
}
