import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors';

// What MCP clients put in their config to start `lockstep mcp`: the absolute command, its arguments and, from the
// Electron app, the variable that makes the app's own binary run the CLI as plain Node.

export interface McpLaunch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** bin/lockstep.mjs, found upwards from this module (the sources under tsx, out/main in the app bundle). */
export function findCliScript(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'bin', 'lockstep.mjs');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

export function lockstepLaunch(options: { dataDir: string; workspaces?: string[]; script?: string | null; execPath?: string; electron?: boolean }): McpLaunch {
  const script = options.script === undefined ? findCliScript() : options.script;
  if (!script) throw new AppError('cli_not_found', 'The lockstep command (bin/lockstep.mjs) was not found beside this copy of Lockstep, so MCP clients have nothing to start. Run Lockstep from its source folder after npm install.');
  const workspaceArgs = (options.workspaces ?? []).flatMap((name) => ['--workspace', name]);
  const electron = options.electron ?? process.versions.electron !== undefined;
  return {
    command: options.execPath ?? process.execPath,
    args: [script, '--data-dir', options.dataDir, 'mcp', ...workspaceArgs],
    ...(electron ? { env: { ELECTRON_RUN_AS_NODE: '1' } } : {}),
  };
}

export type McpClient = 'claude-desktop' | 'vscode' | 'cursor';

export interface ClientConfig {
  client: McpClient;
  /** stdio: the client starts `lockstep mcp`; http: it connects to /mcp on the running local API. */
  transport: 'stdio' | 'http';
  file: string;
  json: string;
}

const VSCODE_FILE = '.vscode/mcp.json in your project (or MCP: Open User Configuration)';
const CURSOR_FILE = '~/.cursor/mcp.json (or .cursor/mcp.json in a project)';
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

/** Where each client reads its servers from, and the snippet in that file's own shape. */
export function clientConfigs(launch: McpLaunch, platform: NodeJS.Platform = process.platform): ClientConfig[] {
  const server = { command: launch.command, args: launch.args, ...(launch.env ? { env: launch.env } : {}) };
  const claudeFile =
    platform === 'darwin'
      ? '~/Library/Application Support/Claude/claude_desktop_config.json'
      : platform === 'win32'
        ? '%APPDATA%\\Claude\\claude_desktop_config.json'
        : '~/.config/Claude/claude_desktop_config.json';
  return [
    { client: 'claude-desktop', transport: 'stdio', file: claudeFile, json: pretty({ mcpServers: { lockstep: server } }) },
    { client: 'vscode', transport: 'stdio', file: VSCODE_FILE, json: pretty({ servers: { lockstep: { type: 'stdio', ...server } } }) },
    { client: 'cursor', transport: 'stdio', file: CURSOR_FILE, json: pretty({ mcpServers: { lockstep: server } }) },
  ];
}

/**
 * Snippets for the clients that speak Streamable HTTP from their config file with a fixed header (VS Code, Cursor),
 * naming the running /mcp endpoint and the local API's token. Claude Desktop's file only starts stdio servers.
 */
export function httpClientConfigs(url: string, token: string): ClientConfig[] {
  const headers = { Authorization: `Bearer ${token}` };
  return [
    { client: 'vscode', transport: 'http', file: VSCODE_FILE, json: pretty({ servers: { lockstep: { type: 'http', url, headers } } }) },
    { client: 'cursor', transport: 'http', file: CURSOR_FILE, json: pretty({ mcpServers: { lockstep: { url, headers } } }) },
  ];
}
