import type { CommandModule } from '../context';
import { appInfo } from '../../handlers/app';

export const infoCommand: CommandModule = (program, cli) => {
  program
    .command('info')
    .description('show versions, the data folder and the models found')
    .action(async () => {
      const info = await appInfo(cli.services(), 'cli');
      cli.print(info, () =>
        [
          `${info.app.name} ${info.app.version}`,
          `node ${info.node} · SQLite ${info.sqlite} · sqlite-vec ${info.sqliteVec} · schema ${info.schemaVersion}`,
          `data folder: ${info.dataDir}`,
          `models: ${info.models.length ? info.models.map((m) => `${m.id} (${m.kind})`).join(', ') : 'none installed'}`,
        ].join('\n'),
      );
    });
};
