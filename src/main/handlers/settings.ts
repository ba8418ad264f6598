import type { LockstepHandlers } from '../../shared/contract/index';
import { ModelService } from '../models/service';
import type { Services } from '../services';

export function settingsHandlers({ dataDir, settings }: Services): LockstepHandlers['settings'] {
  return {
    get: () => settings.get(),
    update: async ({ chatModelId, embedderId, ...rest }) => {
      // A model choice must name an installed model: the local model loader also accepts a file path, which a caller
      // of the contract may not name (see docs/security.md).
      const current = settings.get();
      const models = new ModelService(dataDir, settings);
      if (chatModelId !== undefined && chatModelId !== current.chatModelId) await models.setActive('chat', chatModelId);
      if (embedderId !== undefined && embedderId !== current.embedderId) await models.setActive('embedding', embedderId);
      return settings.update(rest);
    },
    watch: async (_request, emit, { signal }) => {
      emit(settings.get());
      const unsubscribe = settings.onChange((next) => emit(next));
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      unsubscribe();
    },
  };
}
