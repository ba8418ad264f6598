import { AppError } from '../../../shared/errors';
import { addLibraryFolder, listLibraryFolders, removeLibraryFolder } from '../../access/library-folders';
import type { CommandModule } from '../context';

// lockstep folders list | add <dir> | rm <dir or id>
// Library folders are the only places browser mode (and any caller of the contract) may add files from by path.

export const foldersCommand: CommandModule = (program, cli) => {
  const folders = program.command('folders').description('register the folders whose files the app and browser mode may add by path');

  folders
    .command('list')
    .description('show the registered library folders')
    .action(() => {
      const listed = listLibraryFolders(cli.services().db);
      cli.print({ folders: listed }, () => (listed.length ? listed.map((f) => `${f.id}\t${f.path}`).join('\n') : 'No library folders. Add one with: lockstep folders add DIR'));
    });

  folders
    .command('add <dir>')
    .description('register a folder (symlinks resolved); its files, hidden ones excepted, may then be added by path')
    .action(async (dir: string) => {
      const { db, dataDir } = cli.services();
      const folder = await addLibraryFolder(db, dataDir, dir);
      cli.print({ folder }, () => `Registered ${folder.path}. Add its files with: lockstep ingest ${JSON.stringify(folder.path)}`);
    });

  folders
    .command('rm <folder>')
    .description('unregister a folder by path or id; documents already indexed from it stay in the library')
    .action(async (ref: string) => {
      const removed = await removeLibraryFolder(cli.services().db, /^\d+$/.test(ref) ? Number(ref) : ref);
      if (!removed) throw new AppError('not_found', `"${ref}" is not a library folder. See them with: lockstep folders list`);
      cli.print({ removed }, () => `Unregistered ${removed.path}`);
    });
};
