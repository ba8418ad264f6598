import { segmentForIndex } from '../../../src/main/text/segment';
import { getActiveEmbedding } from '../../../src/main/embed/index';
import type { Services } from '../../../src/main/services';

// Writes documents the way ingestion does: document, pages, chunks and FTS rows, plus vectors in the same transaction.

export interface TestPassage {
  text: string;
  page?: number;
  label?: string;
  heading?: string;
}

export async function addDocument(
  services: Services,
  doc: { title: string; path?: string; workspaceId?: number; passages: TestPassage[] },
): Promise<{ documentId: number; chunkIds: number[] }> {
  const { db } = services;
  const embedding = await getActiveEmbedding(services);
  const vectors = embedding ? await embedding.embedPassages(doc.passages.map((p) => p.text)) : null;
  return db.transaction(() => {
    const now = Date.now();
    const documentId = Number(
      db
        .prepare(
          `INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, page_count, chunk_count, created_at, updated_at)
           VALUES (?, ?, ?, 'text', ?, 0, 'indexed', ?, ?, ?, ?)`,
        )
        .run(doc.workspaceId ?? 1, doc.path ?? `/docs/${doc.title}.txt`, doc.title, `${doc.title}-${now}-${Math.random()}`, 1, doc.passages.length, now, now)
        .lastInsertRowid,
    );
    const pages = new Map<number, string[]>();
    const chunkIds = doc.passages.map((passage, ordinal) => {
      const page = passage.page ?? 1;
      const pageText = pages.get(page) ?? [];
      const charStart = pageText.join('\n').length + (pageText.length ? 1 : 0);
      pageText.push(passage.text);
      pages.set(page, pageText);
      const chunkId = Number(
        db
          .prepare(
            `INSERT INTO chunks (document_id, ordinal, text, token_count, page_start, page_end, label_start, label_end, char_start, char_end, heading_path)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(documentId, ordinal, passage.text, passage.text.split(/\s+/).length, page, page, passage.label ?? null, passage.label ?? null, charStart, charStart + passage.text.length, passage.heading ?? '')
          .lastInsertRowid,
      );
      db.prepare('INSERT INTO chunks_fts (rowid, body, heading) VALUES (?, ?, ?)').run(chunkId, segmentForIndex(passage.text), segmentForIndex(passage.heading ?? ''));
      return chunkId;
    });
    for (const [page, texts] of pages) {
      db.prepare('INSERT INTO pages (document_id, page_number, label, text) VALUES (?, ?, ?, ?)').run(documentId, page, null, texts.join('\n'));
    }
    if (embedding && vectors) embedding.writeVectors(chunkIds, vectors);
    return { documentId, chunkIds };
  })();
}
