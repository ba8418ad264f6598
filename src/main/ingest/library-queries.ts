import type { LibraryDocument } from '../../shared/contract/library';
import { AppError } from '../../shared/errors';
import type { Db } from '../store/db';
import type { OcrWordBox } from './document';

// Reading the library: documents as the contract shows them (progress is filled in by the queue).

const selectDocument = `SELECT id, workspace_id AS workspaceId, path, title, type, status, error_code AS errorCode, error_message AS errorMessage,
  page_count AS pageCount, chunk_count AS chunkCount, size_bytes AS sizeBytes, created_at AS createdAt, updated_at AS updatedAt,
  EXISTS (SELECT 1 FROM pages p WHERE p.document_id = documents.id AND p.ocr_confidence IS NOT NULL) AS ocr FROM documents`;

type StoredDocument = Omit<LibraryDocument, 'progress' | 'ocr'> & { ocr: number };

export function documentById(db: Db, documentId: number): LibraryDocument {
  const row = db.prepare(`${selectDocument} WHERE id = ?`).get(documentId) as StoredDocument | undefined;
  if (!row) throw new AppError('not_found', 'That document is no longer in the library.');
  return { ...row, ocr: row.ocr === 1, progress: null };
}

export function documentsInWorkspace(db: Db, workspaceId?: number): LibraryDocument[] {
  const rows = (workspaceId === undefined ? db.prepare(`${selectDocument} ORDER BY id`).all() : db.prepare(`${selectDocument} WHERE workspace_id = ? ORDER BY id`).all(workspaceId)) as StoredDocument[];
  return rows.map((row) => ({ ...row, ocr: row.ocr === 1, progress: null }));
}

/** Page texts for the viewer; a page read by OCR brings its confidence and word boxes, to highlight cited words on the scan. */
export function documentPages(db: Db, documentId: number, from: number, to: number): { number: number; label: string | null; text: string; ocr?: PageOcr }[] {
  const rows = db
    .prepare('SELECT page_number AS number, label, text, ocr_confidence AS confidence, ocr_words AS words FROM pages WHERE document_id = ? AND page_number BETWEEN ? AND ? ORDER BY page_number')
    .all(documentId, from, to) as { number: number; label: string | null; text: string; confidence: number | null; words: string | null }[];
  return rows.map(({ confidence, words, ...page }) => (confidence === null ? page : { ...page, ocr: { confidence, words: words ? (JSON.parse(words) as OcrWordBox[]) : [] } }));
}

/** Whether any of these pages of a document was read by OCR (citations of them say so). */
export function pagesReadByOcr(db: Db, documentId: number, from: number, to: number): boolean {
  return !!db.prepare('SELECT 1 FROM pages WHERE document_id = ? AND page_number BETWEEN ? AND ? AND ocr_confidence IS NOT NULL LIMIT 1').get(documentId, from, to);
}

export interface PageOcr {
  confidence: number;
  words: OcrWordBox[];
}

/** How a page's text was read by OCR (confidence and word boxes), or null for a page with a real text layer. */
export function pageOcr(db: Db, documentId: number, pageNumber: number): PageOcr | null {
  const row = db.prepare('SELECT ocr_confidence AS confidence, ocr_words AS words FROM pages WHERE document_id = ? AND page_number = ?').get(documentId, pageNumber) as
    | { confidence: number | null; words: string | null }
    | undefined;
  if (!row || row.confidence === null) return null;
  return { confidence: row.confidence, words: row.words ? (JSON.parse(row.words) as OcrWordBox[]) : [] };
}
