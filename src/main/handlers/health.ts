import type { LockstepHandlers } from '../../shared/contract/index';
import type { Services } from '../services';

export function healthHandlers({ ops }: Services): LockstepHandlers['health'] {
  return {
    history: ({ minutes }) => ops.history.window(minutes),
    watch: async (_request, emit, { signal }) => {
      const unsubscribe = ops.history.onEvent(emit);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      unsubscribe();
    },
  };
}
