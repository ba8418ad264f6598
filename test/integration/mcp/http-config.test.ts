import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpHandlers } from '../../../src/main/handlers/mcp';
import { setWorkspaceShared } from '../../../src/main/mcp/scope';
import { localApiToken } from '../../../src/main/server/local-api';
import { manageLocalApi, type LocalApiManager } from '../../../src/main/server/local-api-manager';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir } from '../chat/library';

// The Streamable-HTTP snippets of Settings → Connections are copy-ready: each one, parsed as its client would read
// it, connects the SDK's own client to the running /mcp with the header it names, and finds the shared library.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let manager: LocalApiManager;
let handlers: ReturnType<typeof mcpHandlers>;

beforeAll(async () => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-mcp-http-config-');
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
  setWorkspaceShared(services.db, 1, true);
  handlers = mcpHandlers(services);
  manager = await manageLocalApi(services, { port: 0 });
});
afterAll(async () => {
  await manager?.close();
  await services?.close();
  data?.remove();
});

const httpConfigs = async () => (await handlers.clientConfigs({ workspaces: [] }, {} as never)).filter((c) => c.transport === 'http');

describe('MCP Streamable-HTTP client configs', () => {
  it('offers none while /mcp is not served', async () => {
    expect(await httpConfigs()).toEqual([]);
    const all = await handlers.clientConfigs({ workspaces: [] }, {} as never);
    expect(all.map((c) => `${c.client}/${c.transport}`)).toEqual(['claude-desktop/stdio', 'vscode/stdio', 'cursor/stdio']);
  });

  it("gives VS Code and Cursor a snippet in their own file's shape that connects with the token header", async () => {
    services.settings.update({ mcpEnabled: true });
    await expect.poll(() => manager.url(), { timeout: 10_000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const configs = await httpConfigs();
    expect(configs.map((c) => c.client)).toEqual(['vscode', 'cursor']);
    const url = manager.url()!.replace(/\/v1$/, '/mcp');
    const headers = { Authorization: `Bearer ${localApiToken(services)}` };
    const vscode = JSON.parse(configs[0]!.json) as { servers: { lockstep: { type: string; url: string; headers: Record<string, string> } } };
    const cursor = JSON.parse(configs[1]!.json) as { mcpServers: { lockstep: { url: string; headers: Record<string, string> } } };
    expect(vscode).toEqual({ servers: { lockstep: { type: 'http', url, headers } } });
    expect(cursor).toEqual({ mcpServers: { lockstep: { url, headers } } });
    expect(configs[0]!.file).toMatch(/\.vscode\/mcp\.json/);
    expect(configs[1]!.file).toMatch(/\.cursor\/mcp\.json/);

    for (const server of [vscode.servers.lockstep, cursor.mcpServers.lockstep]) {
      const client = new Client({ name: 'config-check', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }));
      try {
        const listed = await client.callTool({ name: 'list_documents', arguments: {} });
        expect(listed.isError).toBeFalsy();
        expect(JSON.stringify(listed.structuredContent)).toContain('Handbook');
      } finally {
        await client.close();
      }
    }
    // Without the snippet's header the same URL is refused: the header is what makes it work.
    const anonymous = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });
});
