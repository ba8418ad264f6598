import type { LockstepHandlers } from '../../shared/contract/index';
import { AppError } from '../../shared/errors';
import type { HandlerContext } from '../../shared/contract/define';
import { isWithin } from '../access/authorise';
import { listLibraryFolders } from '../access/library-folders';
import { browseFolder, grantPicked, type PickerScope } from '../access/picker';
import type { Services } from '../services';

/** The desktop dialog and browser mode's picker; what either hands back is granted to that caller only. */
export function fileHandlers(services: Pick<Services, 'db' | 'dataDir'>): LockstepHandlers['files'] {
  // The picker's explicit roots (serve --picker-root), then the registered library folders outside them; no picker, no roots.
  const scopeOf = (ctx: HandlerContext): PickerScope => {
    if (!ctx.picker) return { roots: [], dataDir: services.dataDir };
    const roots = ctx.picker.roots;
    const folders = listLibraryFolders(services.db).map((f) => f.path).filter((folder) => !roots.some((root) => isWithin(root, folder)));
    return { roots: [...roots, ...folders], dataDir: services.dataDir };
  };
  return {
    choose: async ({ select, filter }, ctx) => {
      if (!ctx.chooseFiles) throw new AppError('not_supported', 'The open dialog belongs to the desktop app; in browser mode choose files from the list Lockstep shows.');
      return { paths: await ctx.chooseFiles({ select, filter }) };
    },
    browse: ({ path, filter }, ctx) => browseFolder(scopeOf(ctx), path, filter),
    grant: async ({ paths }, ctx) => ({ paths: await grantPicked(scopeOf(ctx), paths, (real) => ctx.picker?.grant(real)) }),
  };
}
