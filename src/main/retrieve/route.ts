import type { Db } from '../store/db';

// When the documents a user selected fit in the answering model's context, the model gets all of them, in order,
// instead of a handful of retrieved passages: nothing can be missed that way.

export interface RoutedPage {
  pageNumber: number;
  label: string | null;
  text: string;
}

export interface RoutedDocument {
  documentId: number;
  title: string;
  path: string;
  pages: RoutedPage[];
}

export interface WholeDocuments {
  documents: RoutedDocument[];
  /** Tokens the documents take, counted with the embedder's tokenizer when they were chunked. */
  tokens: number;
}

/**
 * The full text of the documents, in the order given, when together they fit in budgetTokens; else null (retrieve instead).
 * The size is the sum of the documents' chunk token counts, which overlap slightly, so the estimate errs on the safe side.
 */
export function routeWholeDocuments(library: { db: Db }, options: { documentIds: number[]; budgetTokens: number }): WholeDocuments | null {
  const { db } = library;
  const ids = [...new Set(options.documentIds)];
  if (ids.length === 0) return null;
  const sizes = db
    .prepare(
      `SELECT d.id, d.title, d.path, d.status, COALESCE(SUM(c.token_count), 0) AS tokens
       FROM documents d LEFT JOIN chunks c ON c.document_id = d.id
       WHERE d.id IN (SELECT value FROM json_each(?)) GROUP BY d.id`,
    )
    .all(JSON.stringify(ids)) as { id: number; title: string; path: string; status: string; tokens: number }[];
  if (sizes.length !== ids.length || sizes.some((doc) => doc.status !== 'indexed')) return null;
  const tokens = sizes.reduce((total, doc) => total + doc.tokens, 0);
  if (tokens > options.budgetTokens) return null;
  const byId = new Map(sizes.map((doc) => [doc.id, doc]));
  const pagesOf = db.prepare('SELECT page_number AS pageNumber, label, text FROM pages WHERE document_id = ? ORDER BY page_number');
  return {
    tokens,
    documents: ids.map((id) => {
      const doc = byId.get(id)!;
      return { documentId: id, title: doc.title, path: doc.path, pages: pagesOf.all(id) as RoutedPage[] };
    }),
  };
}
