import type { LibraryDocument, LibraryEvent, QueueState } from '../../../shared/contract/library';

interface LibrarySlice {
  documents: Record<number, LibraryDocument>;
  queue: QueueState | null;
}

/** Folds one watch event into the library; progress for a document not loaded yet waits for its row. */
export function foldLibraryEvent<S extends LibrarySlice>(state: S, event: LibraryEvent): Partial<S> {
  switch (event.type) {
    case 'queue':
      return { queue: event.queue } as Partial<S>;
    case 'document':
      return { documents: { ...state.documents, [event.document.id]: event.document } } as Partial<S>;
    case 'progress': {
      const document = state.documents[event.progress.documentId];
      if (!document) return {};
      const status = document.status === 'queued' && event.progress.stage !== 'queued' ? 'processing' : document.status;
      return { documents: { ...state.documents, [document.id]: { ...document, status, progress: event.progress } } } as Partial<S>;
    }
    case 'removed': {
      const documents = { ...state.documents };
      for (const id of event.documentIds) delete documents[id];
      return { documents } as Partial<S>;
    }
  }
}
