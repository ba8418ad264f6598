import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_LOG_LIMIT, recordCall } from '../../../src/main/mcp/call-log';
import { clientConfigs, findCliScript, lockstepLaunch } from '../../../src/main/mcp/client-config';
import { mcpHandlers } from '../../../src/main/handlers/mcp';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir } from '../chat/library';

// Settings → Connections through its IPC handlers: sharing switches, the kill switch, the bounded call log and the
// client configuration snippets.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let handlers: ReturnType<typeof mcpHandlers>;
let handbookId: number;

beforeAll(() => {
  data = tempDataDir('lockstep-mcp-connections-');
  services = openTestServices(data.dir);
  handbookId = addDocument(services.db, 'Handbook', HANDBOOK);
  handlers = mcpHandlers(services);
});
afterAll(async () => {
  await services.close();
  data.remove();
});

describe('MCP connections (IPC handlers)', () => {
  it('shares a workspace only when switched on, and turns everything off at once', async () => {
    expect((await handlers.status({}, {} as never)).workspaces).toEqual([{ id: 1, name: 'Default', documentCount: 1, shared: false }]);
    expect(await handlers.setWorkspaceShared({ workspaceId: 1, shared: true }, {} as never)).toEqual({ id: 1, name: 'Default', documentCount: 1, shared: true });
    expect(() => handlers.setWorkspaceShared({ workspaceId: 99, shared: true }, {} as never)).toThrow('That workspace no longer exists.');
    services.settings.update({ mcpEnabled: true });
    const off = await handlers.turnOff({}, {} as never);
    expect(off).toEqual({ httpEnabled: false, httpUrl: null, workspaces: [{ id: 1, name: 'Default', documentCount: 1, shared: false }] });
    expect(services.settings.get().mcpEnabled).toBe(false);
  });

  it('lists recent calls newest first with document titles, keeping only the last few hundred', async () => {
    for (let i = 0; i < CALL_LOG_LIMIT + 5; i++) recordCall(services.db, { client: 'claude-ai', transport: 'stdio', tool: `tool-${i}`, ok: true, documentIds: [handbookId, 424242], at: 1000 + i });
    const calls = await handlers.recentCalls({ limit: 200 }, {} as never);
    expect(calls).toHaveLength(200);
    expect(calls[0]).toEqual({
      id: expect.any(Number),
      client: 'claude-ai',
      transport: 'stdio',
      tool: `tool-${CALL_LOG_LIMIT + 4}`,
      at: 1000 + CALL_LOG_LIMIT + 4,
      ok: true,
      documents: [
        { id: handbookId, title: 'Handbook' },
        { id: 424242, title: null },
      ],
    });
    expect(services.db.prepare('SELECT COUNT(*) AS n FROM mcp_calls').get()).toEqual({ n: CALL_LOG_LIMIT });
  });

  it('gives ready-to-paste configs with the absolute command, the data folder and named workspaces', async () => {
    const configs = await handlers.clientConfigs({ workspaces: ['default'] }, {} as never);
    expect(configs.map((c) => c.client)).toEqual(['claude-desktop', 'vscode', 'cursor']);
    const script = findCliScript();
    expect(script).toBe(path.resolve('bin/lockstep.mjs'));
    const claude = JSON.parse(configs[0]!.json);
    expect(claude).toEqual({ mcpServers: { lockstep: { command: process.execPath, args: [script, '--data-dir', data.dir, 'mcp', '--workspace', 'default'] } } });
    expect(path.isAbsolute(claude.mcpServers.lockstep.command)).toBe(true);
    expect(JSON.parse(configs[1]!.json)).toEqual({ servers: { lockstep: { type: 'stdio', ...claude.mcpServers.lockstep } } });
    expect(JSON.parse(configs[2]!.json)).toEqual(claude);
    expect(() => handlers.clientConfigs({ workspaces: ['Nope'] }, {} as never)).toThrow(/There is no workspace "Nope"/);
  });

  it('runs the CLI as plain Node from the Electron binary, and names each platform’s Claude config file', () => {
    const launch = lockstepLaunch({ dataDir: '/data', script: '/app/bin/lockstep.mjs', execPath: '/app/Lockstep', electron: true });
    expect(launch).toEqual({ command: '/app/Lockstep', args: ['/app/bin/lockstep.mjs', '--data-dir', '/data', 'mcp'], env: { ELECTRON_RUN_AS_NODE: '1' } });
    expect(JSON.parse(clientConfigs(launch, 'darwin')[0]!.json).mcpServers.lockstep.env).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(clientConfigs(launch, 'darwin')[0]!.file).toBe('~/Library/Application Support/Claude/claude_desktop_config.json');
    expect(clientConfigs(launch, 'win32')[0]!.file).toBe('%APPDATA%\\Claude\\claude_desktop_config.json');
    expect(() => lockstepLaunch({ dataDir: '/data', script: null })).toThrow(/bin\/lockstep\.mjs\) was not found/);
  });
});
