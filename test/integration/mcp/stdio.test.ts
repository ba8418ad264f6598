import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentCalls } from '../../../src/main/mcp/call-log';
import { openStore } from '../../../src/main/store/db';
import { buildMcpLibrary, CANARY, type McpTestLibrary } from './library';
import { checkAsk, checkBadArguments, checkListDocuments, checkLongPage, checkReadPage, checkSearch, checkToolList, checkUnsharedInvisible, ok, refused } from './checks';

// `lockstep mcp` as MCP clients start it: the SDK's own Client over stdio, and a plain script speaking raw
// newline-delimited JSON-RPC, both against a generated library with a shared, a private and a named workspace.

let library: McpTestLibrary;
const stderr: string[] = [];
const clients: Client[] = [];

async function connect(...extraArgs: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['bin/lockstep.mjs', '--data-dir', library.dir, 'mcp', ...extraArgs],
    cwd: process.cwd(),
    env: { ...(process.env as Record<string, string>), LOCKSTEP_LOG: 'silent' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const client = new Client({ name: 'lockstep-mcp-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

let client: Client;
beforeAll(async () => {
  library = await buildMcpLibrary();
  client = await connect();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  library?.remove();
});

describe('lockstep mcp over stdio (SDK Client)', () => {
  it('lists the four tools with their input and output schemas, and the page resource template', () => checkToolList(client, library));
  it('finds each fact on its own page, with the printed label and citation URI', () => checkSearch(client, library));
  it('reads a page, and a citation URI as a resource', () => checkReadPage(client, library));
  it('pages through list_documents compactly, within the budget', () => checkListDocuments(client, library));
  it('answers with citations as structured data, leaving no conversation behind', async () => {
    await checkAsk(client, library);
    const db = openStore(library.dir, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM threads').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
  it('never shows an unshared workspace, even for guessed ids', () => checkUnsharedInvisible(client, library));
  it('turns bad arguments into tool errors and keeps serving', () => checkBadArguments(client));

  it('keeps results within a smaller budget and continues them by cursor', async () => {
    const small = await connect('--budget-tokens', '600');
    await checkLongPage(small, library, 600);
    const uris: string[] = [];
    let cursor: string | undefined;
    let first: string | undefined;
    do {
      const page = await ok<{ passages: { uri: string }[]; nextCursor?: string }>(small, 'search_documents', { query: 'routine memo', k: 40, ...(cursor ? { cursor } : {}) });
      uris.push(...page.passages.map((p) => p.uri));
      first ??= page.nextCursor;
      cursor = page.nextCursor;
    } while (cursor);
    expect(first).toBeDefined();
    expect(new Set(uris).size).toBe(40);
    expect(await refused(small, 'search_documents', { query: 'other words', k: 40, cursor: first })).toMatch(/continues a different search_documents call/);
  });

  it('serves a workspace named with --workspace to that session only, and follows the sharing switch live', async () => {
    const named = await connect('--workspace', 'Named');
    const seen = await ok<{ documents: { id: number; workspace: string }[]; total: number }>(named, 'list_documents', { workspace: 'Named' });
    expect(seen.documents.map((d) => d.id)).toEqual([library.namedDocumentId]);
    expect(await refused(client, 'list_documents', { workspace: 'Named' })).toMatch(/There is no workspace "Named"/);

    // Sharing the private workspace shows it to the running session at once; switching it off hides it again.
    const db = openStore(library.dir);
    try {
      db.prepare('UPDATE workspaces SET shared_with_apps = 1 WHERE id = ?').run(library.privateWorkspaceId);
      const shared = await ok<{ passages: { document: { id: number } }[] }>(client, 'search_documents', { query: CANARY });
      expect(shared.passages.map((p) => p.document.id)).toEqual([library.privateDocumentId]);
      expect(await refused(client, 'ask', { question: 'What is the budget?' })).toBe('Several workspaces are shared (Field notes, Private). Name one with the workspace argument.');
      db.prepare('UPDATE workspaces SET shared_with_apps = 0 WHERE id = ?').run(library.privateWorkspaceId);
      expect((await ok<{ passages: unknown[] }>(client, 'search_documents', { query: CANARY })).passages).toEqual([]);
      expect(await refused(client, 'read_page', { document: library.privateDocumentId, page: 1 })).toMatch(/There is no document/);
    } finally {
      db.close();
    }
  });

  it('refuses to start with a workspace that does not exist, on stderr', async () => {
    const child = spawn(process.execPath, ['bin/lockstep.mjs', '--data-dir', library.dir, 'mcp', '--workspace', 'Nope'], { env: { ...process.env, LOCKSTEP_LOG: 'silent' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(Buffer.concat(out).toString()).toBe('');
    expect(Buffer.concat(err).toString()).toMatch(/There is no workspace "Nope"/);
  });

  it('logs each call with the client name, tool, time and documents touched', () => {
    const db = openStore(library.dir, { readonly: true });
    try {
      const calls = recentCalls(db, 200);
      expect(calls.length).toBeGreaterThan(20);
      expect(new Set(calls.map((c) => c.client))).toEqual(new Set(['lockstep-mcp-test']));
      const read = calls.find((c) => c.tool === 'read_page' && c.ok);
      expect(read).toMatchObject({ transport: 'stdio', documentIds: [expect.any(Number)] });
      expect(calls.some((c) => c.tool === 'read_page' && !c.ok && c.documentIds.length === 0)).toBe(true);
      expect(calls.every((c) => !c.documentIds.includes(library.privateDocumentId) || c.tool === 'search_documents')).toBe(true);
    } finally {
      db.close();
    }
  });

  it('keeps stdout to JSON-RPC: nothing reached stderr either while silent', () => {
    expect(stderr.join('')).toBe('');
  });
});

describe('lockstep mcp driven by a plain script (newline-delimited JSON-RPC)', () => {
  it('answers initialize, tools/list and tools/call as the SDK client saw them', async () => {
    const child = spawn(process.execPath, ['bin/lockstep.mjs', '--data-dir', library.dir, 'mcp'], { env: { ...process.env, LOCKSTEP_LOG: 'silent' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: string[] = [];
    child.stderr.on('data', (c: Buffer) => errors.push(c.toString()));
    const lines = createInterface({ input: child.stdout });
    const replies = new Map<number, (message: Record<string, unknown>) => void>();
    const nonJson: string[] = [];
    lines.on('line', (line) => {
      let message: { id?: number };
      try {
        message = JSON.parse(line) as { id?: number };
      } catch {
        nonJson.push(line);
        return;
      }
      if (typeof message.id === 'number') replies.get(message.id)?.(message);
    });
    let nextId = 1;
    const request = (method: string, params: unknown) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const id = nextId++;
        replies.set(id, resolve);
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
      });
    try {
      const init = await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-script', version: '0' } });
      expect(init).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'lockstep' }, capabilities: { tools: {}, resources: {} } } });
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
      const list = (await request('tools/list', {})) as { result: { tools: { name: string; inputSchema: unknown }[] } };
      const sdkTools = (await client.listTools()).tools;
      expect(list.result.tools.map((t) => [t.name, t.inputSchema])).toEqual(sdkTools.map((t) => [t.name, t.inputSchema]));
      const args = { query: `${library.surveys[1]!.pages[0]!.code} pump`, k: 2 };
      const raw = (await request('tools/call', { name: 'search_documents', arguments: args })) as { result: { structuredContent: unknown; content: unknown } };
      const viaSdk = await client.callTool({ name: 'search_documents', arguments: args });
      expect(raw.result.structuredContent).toEqual(viaSdk.structuredContent);
      expect(raw.result.content).toEqual(viaSdk.content);
      const bad = (await request('tools/call', { name: 'read_page', arguments: { document: 'one' } })) as { result: { isError: boolean } };
      expect(bad.result.isError).toBe(true);
      const unknown = (await request('no/such/method', {})) as { error: { code: number } };
      expect(unknown.error.code).toBe(-32601);
      expect(nonJson).toEqual([]);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.on('close', resolve));
    }
    expect(errors.join('')).toBe('');
  });

  it('answers every request of a script that pipes them all and closes stdin at once', async () => {
    const child = spawn(process.execPath, ['bin/lockstep.mjs', '--data-dir', library.dir, 'mcp'], { env: { ...process.env, LOCKSTEP_LOG: 'silent' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.resume();
    const alpha = library.surveys[0]!;
    child.stdin.end(
      [
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '0' } } },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_documents', arguments: { query: `${alpha.pages[2]!.code} pump`, k: 1 } } },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'read_page', arguments: { document: alpha.id, page: 4 } } },
      ]
        .map((m) => JSON.stringify(m) + '\n')
        .join(''),
    );
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    const replies = Buffer.concat(out).toString().trim().split('\n').map((line) => JSON.parse(line) as { id: number; result: { structuredContent?: { passages?: { page: number }[]; text?: string } } });
    expect(replies.map((r) => r.id).sort()).toEqual([1, 2, 3]);
    expect(replies.find((r) => r.id === 2)!.result.structuredContent!.passages![0]!.page).toBe(3);
    expect(replies.find((r) => r.id === 3)!.result.structuredContent!.text).toBe(alpha.pages[3]!.text);
  });
});
