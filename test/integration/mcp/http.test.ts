import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentCalls } from '../../../src/main/mcp/call-log';
import { localApiToken, startLocalApi, type LocalApi } from '../../../src/main/server/local-api';
import { manageLocalApi } from '../../../src/main/server/local-api-manager';
import { createServices, type Services } from '../../../src/main/services';
import { buildMcpLibrary, type McpTestLibrary } from './library';
import { checkAsk, checkBadArguments, checkListDocuments, checkReadPage, checkSearch, checkToolList, checkUnsharedInvisible } from './checks';

// MCP over Streamable HTTP at /mcp on the local API: the SDK's own client with the API token, and raw requests
// without it, against the same generated library as the stdio tests.

const TOKEN = 'lsk_mcp_test_token_0123456789';
let library: McpTestLibrary;
let services: Services;
let api: LocalApi;
let client: Client;
let mcpUrl: URL;

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(mcpUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers }, body });

beforeAll(async () => {
  process.env.LOCKSTEP_LOG = 'silent';
  library = await buildMcpLibrary();
  services = createServices({ dataDir: library.dir, mode: 'test' });
  api = await startLocalApi({ services, port: 0, token: TOKEN });
  mcpUrl = new URL(`http://127.0.0.1:${api.port}/mcp`);
  services.settings.update({ mcpEnabled: true });
  client = new Client({ name: 'lockstep-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
});
afterAll(async () => {
  await client?.close();
  await api?.close();
  await services?.close();
  library?.remove();
});

describe('MCP over Streamable HTTP (SDK Client, token)', () => {
  it('lists the tools with their schemas', () => checkToolList(client, library));
  it('searches with correct pages', () => checkSearch(client, library));
  it('reads a page', () => checkReadPage(client, library));
  it('pages through list_documents', () => checkListDocuments(client, library));
  it('asks with citations', () => checkAsk(client, library));
  it('never shows an unshared workspace, even for guessed ids', () => checkUnsharedInvisible(client, library));
  it('turns bad arguments into tool errors', () => checkBadArguments(client));

  it('logs calls under the HTTP client’s name', () => {
    const calls = recentCalls(services.db, 200);
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((c) => c.client === 'lockstep-http-test' && c.transport === 'http')).toBe(true);
  });
});

describe('MCP over HTTP refuses what it must', () => {
  it('refuses a request without the token, or with a wrong one (401)', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, { Authorization: TOKEN.slice(0, -1) }] as Record<string, string>[]) {
      const response = await post(JSON.stringify(initialize), headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    }
    const anonymous = new Client({ name: 'no-token', version: '0' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(mcpUrl))).rejects.toThrow(/401|Unauthorized|invalid_api_key/i);
  });

  it('refuses web pages (an Origin header) even with the token', async () => {
    const response = await post(JSON.stringify(initialize), { Authorization: `Bearer ${TOKEN}`, Origin: 'https://evil.example' });
    expect(response.status).toBe(403);
  });

  it('answers bad JSON and unknown sessions with JSON-RPC errors', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const badJson = await post('{"jsonrpc":', auth);
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    const noSession = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), auth);
    expect(noSession.status).toBe(400);
    const gone = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { ...auth, 'Mcp-Session-Id': 'not-a-session' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('is off until the setting (or serve --mcp) turns it on', async () => {
    services.settings.update({ mcpEnabled: false });
    try {
      const off = await post(JSON.stringify(initialize), { Authorization: `Bearer ${TOKEN}` });
      expect(off.status).toBe(404);
      expect(await off.json()).toMatchObject({ error: { code: 'mcp_off', message: 'MCP is off. Turn it on in Lockstep under Settings → Connections.' } });
      const forced = await startLocalApi({ services, port: 0, token: TOKEN, mcp: true });
      try {
        const response = await fetch(`http://127.0.0.1:${forced.port}/mcp`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(initialize),
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
        await response.body?.cancel();
      } finally {
        await forced.close();
      }
    } finally {
      services.settings.update({ mcpEnabled: true });
    }
  });

  it('the Settings switch alone starts the local API with /mcp, and stops it again', async () => {
    services.settings.update({ mcpEnabled: false, localApiEnabled: false });
    const manager = await manageLocalApi(services, { port: 0 });
    try {
      expect(manager.url()).toBeNull();
      services.settings.update({ mcpEnabled: true });
      await expect.poll(() => manager.url(), { timeout: 5000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const response = await fetch(manager.url()!.replace(/\/v1$/, '/mcp'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: `Bearer ${localApiToken(services)}` },
        body: JSON.stringify(initialize),
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
      services.settings.update({ mcpEnabled: false });
      await expect.poll(() => manager.url(), { timeout: 5000 }).toBeNull();
    } finally {
      await manager.close();
      services.settings.update({ mcpEnabled: true });
    }
  });
});
