import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import { browseFolder, grantPicked } from '../access/picker';
import type { Services } from '../services';

/** The desktop dialog and browser mode's picker; what either hands back is granted to that caller only. */
export function fileHandlers(services: Pick<Services, 'dataDir'>): LockstepHandlers['files'] {
  return {
    choose: async ({ select, filter }, ctx) => {
      if (!ctx.chooseFiles) throw new AppError('not_supported', 'The open dialog belongs to the desktop app; in browser mode choose files from the list Lockstep shows.');
      return { paths: await ctx.chooseFiles({ select, filter }) };
    },
    browse: ({ path, filter }, ctx) => browseFolder({ roots: ctx.picker?.roots ?? [], dataDir: services.dataDir }, path, filter),
    grant: async ({ paths }, ctx) => {
      const picker = ctx.picker;
      return { paths: await grantPicked({ roots: picker?.roots ?? [], dataDir: services.dataDir }, paths, (real) => picker?.grant(real)) };
    },
  };
}
