import type { CliContext, CommandModule } from '../context';
import { formatBytes, formatDuration, type DownloadProgress } from '../../models/progress';
import { ModelService, type ModelListing } from '../../models/service';

// lockstep models list | pull <id> | import <path> | rm <id> | use <id>

const service = (cli: CliContext) => new ModelService(cli.dataDir(), cli.services().settings);

export const modelsCommand: CommandModule = (program, cli) => {
  const models = program.command('models').description('download, import, remove and choose local models');

  models
    .command('list')
    .description('show the catalog and every installed or imported model')
    .action(async () => {
      const manager = service(cli);
      const listings = await manager.list();
      cli.print({ models: listings, active: manager.getActive() }, () => formatListing(listings));
    });

  models
    .command('pull <id>')
    .description('download a catalog model (resumes an interrupted download; Ctrl-C keeps what arrived)')
    .action(async (id: string) => {
      const controller = new AbortController();
      const interrupt = () => controller.abort();
      process.once('SIGINT', interrupt);
      const show = progressLine(cli);
      try {
        const installed = await service(cli).pull(id, { signal: controller.signal, onProgress: show });
        cli.print({ model: installed }, () => `${installed.id} is installed in ${installed.dir}`);
      } finally {
        process.off('SIGINT', interrupt);
      }
    });

  models
    .command('import <path>')
    .description('import a .gguf file or a Hugging Face model folder (validated first)')
    .option('--link', 'link to the files instead of copying them (they must then stay where they are)')
    .option('--id <id>', 'the id to list the model under')
    .action(async (source: string, options: { link?: boolean; id?: string }) => {
      const imported = await service(cli).import(source, { link: options.link, id: options.id });
      cli.print({ model: imported }, () => `Imported ${imported.id} (${imported.kind}, ${imported.architecture ?? imported.format}) into ${imported.dir}${imported.notice ? `\n${imported.notice}` : ''}`);
    });

  models
    .command('rm <id>')
    .description("delete an installed model (or its unfinished download) from the app's models folder")
    .action(async (id: string) => {
      const removed = await service(cli).remove(id);
      cli.print(removed, () => `Removed ${removed.id} (${removed.removed})`);
    });

  models
    .command('use <id>')
    .description('make an installed model the active chat or embedding model')
    .action(async (id: string) => {
      const manager = service(cli);
      const model = (await manager.list()).find((m) => m.id === id && m.installed);
      const active = await manager.setActive(model?.kind ?? 'chat', id);
      cli.print({ active }, () => `Active chat model: ${active.chat ?? 'none'} · embedding model: ${active.embedding}`);
    });
};

function formatListing(listings: ModelListing[]): string {
  const rows = listings.map((m) => [
    m.active ? `* ${m.id}` : `  ${m.id}`,
    m.kind,
    m.installed ? (m.location === 'shared' ? 'installed (shared)' : 'installed') : m.partialBytes > 0 ? `partial ${formatBytes(m.partialBytes)}` : '-',
    formatBytes(m.sizeBytes),
    m.source,
  ]);
  const header = ['  ID', 'KIND', 'STATUS', 'SIZE', 'SOURCE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line), '', '* = active'].join('\n');
}

/** One progress line per second at most (every phase change shows), on stderr. */
function progressLine(cli: CliContext): (progress: DownloadProgress) => void {
  let lastAt = 0;
  let lastPhase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === lastPhase && now - lastAt < 1000) return;
    lastAt = now;
    lastPhase = p.phase;
    const total = p.bytesTotal === null ? '?' : formatBytes(p.bytesTotal);
    const percent = p.bytesTotal ? ` ${((100 * p.bytesDone) / p.bytesTotal).toFixed(1)}%` : '';
    const eta = p.etaSeconds === null ? '' : `, ${formatDuration(p.etaSeconds)} left`;
    const file = p.fileCount > 1 ? ` [${p.fileIndex + 1}/${p.fileCount} ${p.file}]` : '';
    cli.progress(`${p.modelId}${file}: ${p.phase} ${formatBytes(p.bytesDone)} / ${total}${percent} at ${formatBytes(p.bytesPerSecond)}/s${eta}`);
  };
}
