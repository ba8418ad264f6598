import { describe, expect, it } from 'vitest';
import type { LibraryDocument } from '../../../src/shared/contract/library';
import { idleBatch, trackBatch } from '../../../src/renderer/stores/library/batch';

const doc = (id: number, status: LibraryDocument['status'], pages: { done?: number; total?: number; count?: number } = {}): LibraryDocument =>
  ({
    id, workspaceId: 1, path: `/d/${id}.pdf`, title: `${id}`, type: 'pdf', status, errorCode: null, errorMessage: null, pageCount: pages.count ?? null, chunkCount: 0, sizeBytes: 1, createdAt: id, updatedAt: id, ocr: false,
    progress: status === 'processing' ? { jobId: id, documentId: id, stage: 'parsing', pagesDone: pages.done ?? 0, pagesTotal: pages.total ?? 0, chunks: 0, fraction: 0, startedAt: 0, etaMs: null } : null,
  }) as LibraryDocument;
const byId = (...docs: LibraryDocument[]) => Object.fromEntries(docs.map((d) => [d.id, d]));

describe('ingest batch', () => {
  it('counts files done of those queued since idle, and pages per second', () => {
    let batch = trackBatch(idleBatch, byId(doc(1, 'indexed', { count: 9 }), doc(2, 'processing', { done: 5, total: 10 }), doc(3, 'queued')), 1_000);
    expect(batch).toMatchObject({ done: 0, total: 2, pages: 5, pagesPerSecond: null });
    batch = trackBatch(batch, byId(doc(1, 'indexed', { count: 9 }), doc(2, 'indexed', { count: 10 }), doc(3, 'processing', { done: 10, total: 20 })), 5_000);
    expect(batch).toMatchObject({ done: 1, total: 2, pages: 20, pagesPerSecond: 5 });
  });

  it('gives no rate until a page has been read, however long the first file takes to open', () => {
    const batch = trackBatch(idleBatch, byId(doc(1, 'processing', { done: 0, total: 0 })), 0);
    expect(trackBatch(batch, byId(doc(1, 'processing', { done: 0, total: 0 })), 3_000)).toMatchObject({ pages: 0, pagesPerSecond: null });
  });

  it('counts a removed or cancelled file as done and resets once idle', () => {
    let batch = trackBatch(idleBatch, byId(doc(2, 'processing'), doc(3, 'queued')), 0);
    batch = trackBatch(batch, byId(doc(3, 'processing')), 100);
    expect(batch).toMatchObject({ done: 1, total: 2 });
    expect(trackBatch(batch, byId(doc(3, 'cancelled')), 200)).toBe(idleBatch);
  });
});
