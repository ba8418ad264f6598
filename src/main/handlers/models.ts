import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import { authorisePath } from '../access/authorise';
import { authoriseFolderLinks, callerGrants } from '../access/caller';
import { ModelService, summarize } from '../models/service';
import type { Services } from '../services';

export function modelHandlers(services: Services): LockstepHandlers['models'] {
  const { dataDir, settings } = services;
  const manager = new ModelService(dataDir, settings);
  return {
    list: async () => ({ models: await manager.list(), active: manager.getActive() }),
    pull: async ({ id }, emit, { signal }) => {
      const installed = await manager.pull(id, { signal, onProgress: (progress) => emit({ type: 'progress', ...progress }) });
      emit({ type: 'installed', model: summarize(installed) });
    },
    // A model file is read like a document: only from a path this window was granted or a library folder.
    import: async ({ path, link, id }, ctx) => {
      const grants = callerGrants(services, ctx);
      const source = await authorisePath(path, grants);
      if (!source) throw new AppError('import_not_found', `${path} does not exist. Check the path and try again.`);
      await authoriseFolderLinks(source, grants);
      return summarize(await manager.import(source.real, { link, id }));
    },
    remove: ({ id }) => manager.remove(id),
    getActive: () => manager.getActive(),
    setActive: ({ kind, id }) => manager.setActive(kind, id),
  };
}
