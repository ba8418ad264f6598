import type { LockstepHandlers } from '../../shared/contract/index';
import { ModelService, summarize } from '../models/service';
import type { Services } from '../services';

export function modelHandlers({ dataDir, settings }: Services): LockstepHandlers['models'] {
  const manager = new ModelService(dataDir, settings);
  return {
    list: async () => ({ models: await manager.list(), active: manager.getActive() }),
    pull: async ({ id }, emit, { signal }) => {
      const installed = await manager.pull(id, { signal, onProgress: (progress) => emit({ type: 'progress', ...progress }) });
      emit({ type: 'installed', model: summarize(installed) });
    },
    import: async ({ path, link, id }) => summarize(await manager.import(path, { link, id })),
    remove: ({ id }) => manager.remove(id),
    getActive: () => manager.getActive(),
    setActive: ({ kind, id }) => manager.setActive(kind, id),
  };
}
