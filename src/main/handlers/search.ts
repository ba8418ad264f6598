import type { LockstepHandlers } from '../../shared/contract/index';
import { search } from '../retrieve/index';
import type { Services } from '../services';

export function searchHandlers(services: Services): LockstepHandlers['search'] {
  return {
    query: (request, { signal }) => search(services, request, { signal }),
    embeddingStatus: () => services.embeddings.status(),
    watchEmbeddingStatus: async (_request, emit, { signal }) => {
      const unsubscribe = services.embeddings.onStatus(emit);
      emit(await services.embeddings.status());
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      unsubscribe();
    },
  };
}
