import { describe, expect, it } from 'vitest';
import type { LibraryDocument } from '../../../src/shared/contract/library';
import { foldLibraryEvent } from '../../../src/renderer/stores/library/reducer';

const doc = (id: number, status: LibraryDocument['status']): LibraryDocument => ({
  id, workspaceId: 1, path: `/d/${id}.pdf`, title: `${id}.pdf`, type: 'pdf', status, errorCode: null, errorMessage: null,
  pageCount: null, chunkCount: 0, sizeBytes: 10, createdAt: 1, updatedAt: 1, ocr: false, progress: null,
});
const progress = (documentId: number, stage: 'queued' | 'parsing') => ({ jobId: 1, documentId, stage, pagesDone: 3, pagesTotal: 14, chunks: 0, fraction: 3 / 14, startedAt: 1, etaMs: 2000 });

describe('foldLibraryEvent', () => {
  it('adds rows, attaches progress (queued → processing) and removes rows', () => {
    let state = { documents: {} as Record<number, LibraryDocument>, queue: null };
    state = { ...state, ...foldLibraryEvent(state, { type: 'document', document: doc(1, 'queued') }) };
    state = { ...state, ...foldLibraryEvent(state, { type: 'progress', progress: progress(1, 'parsing') }) };
    expect(state.documents[1]).toMatchObject({ status: 'processing', progress: { pagesDone: 3, pagesTotal: 14 } });
    state = { ...state, ...foldLibraryEvent(state, { type: 'removed', documentIds: [1] }) };
    expect(state.documents).toEqual({});
  });

  it('ignores progress for a document it has not seen yet', () => {
    const state = { documents: {}, queue: null };
    expect(foldLibraryEvent(state, { type: 'progress', progress: progress(7, 'parsing') })).toEqual({});
  });
});
