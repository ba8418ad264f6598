import type { LockstepHandlers } from '../../shared/contract/index';
import type { Services } from '../services';

/** How often a watcher looks for a recovery: the chain climbs back on its own after a quiet period, with no request to notice it. */
const RECOVERY_POLL_MS = 15_000;

export function degradationHandlers(services: Services): LockstepHandlers['degradation'] {
  const policy = () => services.chat.degradationPolicy;
  return {
    status: () => policy().state(),
    markSeen: () => policy().markSeen(),
    watch: async (_request, emit, { signal }) => {
      emit({ type: 'state', state: policy().state() });
      const unsubscribe = policy().onAlert((alert) => {
        emit({ type: 'alert', alert });
        emit({ type: 'state', state: policy().state() });
      });
      const poll = setInterval(() => policy().recover(), RECOVERY_POLL_MS);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      clearInterval(poll);
      unsubscribe();
    },
  };
}
