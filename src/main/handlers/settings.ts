import type { LockstepHandlers } from '../../shared/contract/index';
import type { Services } from '../services';

export function settingsHandlers({ settings }: Services): LockstepHandlers['settings'] {
  return {
    get: () => settings.get(),
    update: (patch) => settings.update(patch),
    watch: async (_request, emit, { signal }) => {
      emit(settings.get());
      const unsubscribe = settings.onChange((next) => emit(next));
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      unsubscribe();
    },
  };
}
