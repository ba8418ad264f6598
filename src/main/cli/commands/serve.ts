import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../../shared/errors';
import { startBrowserServer } from '../../server/browser-server';
import { DEFAULT_LOCAL_API_PORT, localApiToken, mcpEnabled, metricsEnabled } from '../../server/local-api';
import { manageLocalApi } from '../../server/local-api-manager';
import { watchLibraryFolders } from '../../ingest/index';
import type { CommandModule } from '../context';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const rendererBuildDir = path.join(repoRoot, 'out', 'renderer');

/** Opens a URL in the user's browser when one is available; stays silent when none is. */
function openInBrowser(url: string): boolean {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const candidates = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, opener));
  if (process.platform !== 'win32' && !candidates.some((file) => existsSync(file))) return false;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  spawn(opener, [url], { stdio: 'ignore', detached: true }).unref();
  return true;
}

export const serveCommand: CommandModule = (program, cli) => {
  program
    .command('serve')
    .description('browser mode: serve the Lockstep UI on 127.0.0.1 with a per-launch token')
    .option('--port <port>', 'port to listen on (default: any free port)', (v) => Number.parseInt(v, 10))
    .option('--no-open', 'do not open a browser')
    .option('--api', 'also start the OpenAI-compatible local API (otherwise it follows the localApiEnabled setting)')
    .option('--api-port <port>', `port of the local API (default ${DEFAULT_LOCAL_API_PORT})`, (v) => Number.parseInt(v, 10))
    .option('--mcp', 'serve MCP clients at /mcp on the local API, which it starts (otherwise /mcp follows the mcpEnabled setting)')
    .option('--metrics', 'serve Prometheus metrics at GET /metrics on the local API (otherwise the metricsEnabled setting or LOCKSTEP_METRICS=1)')
    .option('--picker-root <dir>', "a folder the UI's file picker may browse (repeatable; the registered library folders are always offered)", (v, all: string[] = []) => [...all, v])
    .option('--no-picker', "turn the UI's file picker off (files are then added by drop, upload or library folder only)")
    .action(async (options: { port?: number; open: boolean; api?: boolean; apiPort?: number; metrics?: boolean; pickerRoot?: string[]; picker: boolean; mcp?: boolean }) => {
      if (!existsSync(path.join(rendererBuildDir, 'index.html'))) {
        throw new AppError('renderer_not_built', 'The UI is not built yet. Run `npm run build` (or `npm run serve`, which builds first).');
      }
      const services = cli.services();
      // Jobs interrupted by a crash or kill resume at launch.
      services.ingest.start();
      // Library folders are scanned for changes made while closed, then watched.
      watchLibraryFolders(services);
      services.chat.threads.recoverInterruptedAnswers();
      // The Health view's per-minute history is sampled while the server runs.
      services.ops.startSampling();
      // Workspaces on auto move between hot and cold as their use changes.
      services.tiers.keepBalanced();
      const server = await startBrowserServer({ services, rendererDir: rendererBuildDir, port: options.port, pickerRoots: options.picker ? (options.pickerRoot ?? []) : null });
      const localApi = await manageLocalApi(services, { force: options.api || options.mcp, port: options.apiPort, metrics: options.metrics, mcp: options.mcp });
      const api = localApi.url() ? { url: localApi.url(), token: localApiToken(services), mcp: mcpEnabled(services, options.mcp) ? localApi.url()!.replace(/\/v1$/, '/mcp') : null, metrics: metricsEnabled(services, options.metrics) ? localApi.url()!.replace(/\/v1$/, '/metrics') : null } : null;
      const opened = options.open && !process.env.CI && openInBrowser(server.url);
      cli.print({ url: server.url, port: server.port, dataDir: services.dataDir, api }, () =>
        `Lockstep is running in browser mode at ${server.url}${opened ? ' (opened in your browser)' : ''}\nData folder: ${services.dataDir}\n` +
        (api ? `OpenAI-compatible API: ${api.url} (Authorization: Bearer ${api.token})\n` : '') +
        (api?.mcp ? `MCP (Streamable HTTP): ${api.mcp} (same token)\n` : '') +
        (api?.metrics ? `Prometheus metrics: ${api.metrics} (same token)\n` : '') +
        'Press Ctrl+C to stop.',
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await localApi.close();
      await server.close();
    });
};
