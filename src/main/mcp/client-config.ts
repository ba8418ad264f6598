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

/** Where each client reads its servers from, and the snippet in that file's own shape. */
export function clientConfigs(launch: McpLaunch, platform: NodeJS.Platform = process.platform): { client: McpClient; file: string; json: string }[] {
  const server = { command: launch.command, args: launch.args, ...(launch.env ? { env: launch.env } : {}) };
  const claudeFile =
    platform === 'darwin'
      ? '~/Library/Application Support/Claude/claude_desktop_config.json'
      : platform === 'win32'
        ? '%APPDATA%\\Claude\\claude_desktop_config.json'
        : '~/.config/Claude/claude_desktop_config.json';
  const pretty = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    { client: 'claude-desktop', file: claudeFile, json: pretty({ mcpServers: { lockstep: server } }) },
    { client: 'vscode', file: '.vscode/mcp.json in your project (or MCP: Open User Configuration)', json: pretty({ servers: { lockstep: { type: 'stdio', ...server } } }) },
    { client: 'cursor', file: '~/.cursor/mcp.json (or .cursor/mcp.json in a project)', json: pretty({ mcpServers: { lockstep: server } }) },
  ];
}
