import type { CommandModule } from '../context';
import { appInfo } from '../../handlers/app';
import { kernelReport } from '../../lpu/kernels/registry';

export const infoCommand: CommandModule = (program, cli) => {
  program
    .command('info')
    .description('show versions, the data folder, the models found and the LPU kernels this CPU runs')
    .action(async () => {
      const kernels = await kernelReport();
      const info = { ...(await appInfo(cli.services(), 'cli')), lpu: kernels };
      cli.print(info, () =>
        [
          `${info.app.name} ${info.app.version}`,
          `node ${info.node} · SQLite ${info.sqlite} · sqlite-vec ${info.sqliteVec} · schema ${info.schemaVersion}`,
          `data folder: ${info.dataDir}`,
          `models: ${info.models.length ? info.models.map((m) => `${m.id} (${m.kind})`).join(', ') : 'none installed'}`,
          `LPU kernels: ${kernels.kernels}${kernels.nativeUnavailable ? ` (native unavailable: ${kernels.nativeUnavailable})` : ''}` +
            (kernels.cpuFeatures.length ? ` · CPU: ${kernels.cpuFeatures.join(' ')}` : ''),
        ].join('\n'),
      );
    });
};
