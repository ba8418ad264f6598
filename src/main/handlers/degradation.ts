import type { LockstepHandlers } from '../../shared/contract/index';
import type { Services } from '../services';

/** How often a watcher looks for a recovery: the chain climbs back on its own after a quiet period, with no request to notice it. */
const RECOVERY_POLL_MS = 15_000;

export function degradationHandlers(services: Services): LockstepHandlers['degradation'] {
  const policy = () => services.chat.degradationPolicy;
  // Each state asks the registry first whether a local model is installed: the user may have added or removed one.
  const state = async () => {
    await policy().refreshLocalModel();
    return policy().state();
  };
  return {
    status: state,
    markSeen: async () => {
      await policy().refreshLocalModel();
      return policy().markSeen();
    },
    watch: async (_request, emit, { signal }) => {
      emit({ type: 'state', state: await state() });
      const unsubscribe = policy().onAlert((alert) => {
        emit({ type: 'alert', alert });
        void state().then((current) => emit({ type: 'state', state: current }));
      });
      const poll = setInterval(() => policy().recover(), RECOVERY_POLL_MS);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      clearInterval(poll);
      unsubscribe();
    },
  };
}
