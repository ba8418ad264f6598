import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { CANARY, CODE_NAMES, type McpTestLibrary } from './library';

// The checks every transport must pass, run by stdio.test.ts and http.test.ts against their own Client.

export const MISSING_ID = 987_654;

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A successful call's structured content. */
export async function ok<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await call(client, name, args);
  expect(result.isError, `${name} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as T;
}

/** A failed call's message (the tool error the model reads). */
export async function refused(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError, `${name} ${JSON.stringify(args)} should fail`).toBe(true);
  const text = (result.content[0] as { text: string }).text;
  expect(text).not.toContain(CANARY);
  return text;
}

interface Passage {
  document: { id: number; name: string };
  page: number;
  pageLabel: string | null;
  uri: string;
  text: string;
  score: number;
}

export async function checkToolList(client: Client, library: McpTestLibrary) {
  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  expect(Object.keys(byName).sort()).toEqual(['ask', 'list_documents', 'read_page', 'search_documents']);
  expect(byName.search_documents!.inputSchema).toMatchObject({
    type: 'object',
    required: ['query'],
    properties: { query: { type: 'string' }, k: { type: 'integer', maximum: 50 }, workspace: { type: 'string' }, documents: { type: 'array', items: { type: 'integer' } }, cursor: { type: 'string' } },
  });
  expect(byName.read_page!.inputSchema).toMatchObject({ required: ['document', 'page'], properties: { document: { type: 'integer' }, page: { type: 'integer' } } });
  expect(byName.list_documents!.inputSchema.required ?? []).toEqual([]);
  expect(byName.ask!.inputSchema).toMatchObject({ required: ['question'], properties: { question: { type: 'string' }, workspace: { type: 'string' } } });
  expect(byName.search_documents!.outputSchema).toMatchObject({ type: 'object', properties: { passages: { type: 'array' }, nextCursor: { type: 'string' } } });
  expect(byName.ask!.outputSchema).toMatchObject({ properties: { citations: { type: 'array', items: { properties: { uri: { type: 'string' }, page: { type: 'integer' } } } } } });
  for (const name of ['search_documents', 'read_page', 'list_documents']) expect(byName[name]!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  expect(byName.ask!.annotations?.readOnlyHint).toBe(true);
  for (const tool of tools) expect(tool.description).toMatch(/about 4000 tokens/);
  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['lockstep://document/{document}#page={page}']);
  const { resources } = await client.listResources();
  expect(resources).toHaveLength(100);
  expect(resources.map((r) => r.uri)).not.toContain(`lockstep://document/${library.privateDocumentId}#page=1`);
  expect(resources.every((r) => library.sharedDocumentIds.some((id) => r.uri === `lockstep://document/${id}#page=1`))).toBe(true);
}

export async function checkSearch(client: Client, library: McpTestLibrary) {
  for (const survey of library.surveys) {
    for (const page of survey.pages) {
      const result = await ok<{ passages: Passage[]; mode: string }>(client, 'search_documents', { query: `${page.code} pump`, k: 3 });
      expect(result.mode).toBe('bm25');
      const [top] = result.passages;
      expect(top).toMatchObject({ document: { id: survey.id, name: survey.title }, page: page.page, pageLabel: page.label ?? null, uri: `lockstep://document/${survey.id}#page=${page.page}` });
      expect(top!.text).toContain(page.date);
    }
  }
  // The private ledger names quarzel too; it never shows.
  const quarzel = await ok<{ passages: Passage[] }>(client, 'search_documents', { query: `${CODE_NAMES[0]} budget`, k: 20 });
  expect(quarzel.passages.map((p) => p.document.id)).not.toContain(library.privateDocumentId);
  const canary = await ok<{ passages: Passage[] }>(client, 'search_documents', { query: CANARY });
  expect(canary.passages).toEqual([]);
  // Restricted to one document, and to the shared workspace by name.
  const beta = library.surveys[1]!;
  const within = await ok<{ passages: Passage[] }>(client, 'search_documents', { query: 'pump serviced', documents: [beta.id], k: 10 });
  expect(new Set(within.passages.map((p) => p.document.id))).toEqual(new Set([beta.id]));
  const named = await ok<{ passages: Passage[] }>(client, 'search_documents', { query: 'tobrinth', workspace: 'field NOTES' });
  expect(named.passages[0]).toMatchObject({ document: { name: 'Survey Alpha' }, page: 2, pageLabel: 'ii' });
}

export async function checkReadPage(client: Client, library: McpTestLibrary) {
  const alpha = library.surveys[0]!;
  const page = await ok(client, 'read_page', { document: alpha.id, page: 2 });
  expect(page).toEqual({
    document: { id: alpha.id, name: 'Survey Alpha' },
    page: 2,
    pageLabel: 'ii',
    pageCount: 4,
    uri: `lockstep://document/${alpha.id}#page=2`,
    text: alpha.pages[1]!.text,
  });
  expect(await refused(client, 'read_page', { document: alpha.id, page: 9 })).toBe('"Survey Alpha" has 4 pages; there is no page 9.');
  // The citation URI reads as a resource.
  const resource = await client.readResource({ uri: `lockstep://document/${alpha.id}#page=3` });
  expect(resource.contents).toEqual([{ uri: `lockstep://document/${alpha.id}#page=3`, mimeType: 'text/plain', text: alpha.pages[2]!.text }]);
}

/** A page longer than the budget comes back in slices that join to the whole text, each within the budget. */
export async function checkLongPage(client: Client, library: McpTestLibrary, budgetTokens: number) {
  const { documentId, page, text } = library.longPage;
  const parts: string[] = [];
  let cursor: string | undefined;
  do {
    const result = await call(client, 'read_page', { document: documentId, page, ...(cursor ? { cursor } : {}) });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent).length / 4).toBeLessThanOrEqual(budgetTokens);
    const content = result.structuredContent as { text: string; nextCursor?: string };
    parts.push(content.text);
    cursor = content.nextCursor;
  } while (cursor && parts.length < 100);
  expect(parts.length).toBeGreaterThan(2);
  expect(parts.join('')).toBe(text);
  // A cursor belongs to its call: another page's read refuses it.
  const first = (await ok<{ nextCursor: string }>(client, 'read_page', { document: documentId, page })).nextCursor;
  expect(await refused(client, 'read_page', { document: documentId, page: 1, cursor: first })).toMatch(/continues a different read_page call/);
}

export async function checkListDocuments(client: Client, library: McpTestLibrary, budgetTokens = 4000) {
  const seen: number[] = [];
  let cursor: string | undefined;
  let calls = 0;
  do {
    const result = await call(client, 'list_documents', cursor ? { cursor } : {});
    const content = result.structuredContent as { documents: { id: number; name: string; format: string; pages: number; status: string; workspace: string }[]; total: number; nextCursor?: string };
    expect(JSON.stringify(content).length / 4).toBeLessThanOrEqual(budgetTokens);
    expect(content.total).toBe(library.sharedDocumentIds.length);
    for (const document of content.documents) {
      expect(document).toEqual({ id: document.id, name: expect.any(String), format: 'pdf', pages: expect.any(Number), status: 'indexed', workspace: 'Field notes' });
      // Compact: never a document's text.
      expect(Object.keys(document)).not.toContain('text');
    }
    seen.push(...content.documents.map((d) => d.id));
    cursor = content.nextCursor;
    calls++;
  } while (cursor && calls < 50);
  expect(calls).toBeGreaterThanOrEqual(2);
  expect(seen).toEqual([...library.sharedDocumentIds].sort((a, b) => a - b));
}

export async function checkAsk(client: Client, library: McpTestLibrary) {
  const alpha = library.surveys[0]!;
  const target = alpha.pages[2]!;
  const result = await ok<{ answer: string; provider: string; citations: { n: number; document: { id: number }; page: number; uri: string; quote: string }[]; uncited: boolean }>(
    client,
    'ask',
    { question: `When was the ${target.code} pump serviced?` },
  );
  expect(result.provider).toBe('extractive');
  expect(result.uncited).toBe(false);
  expect(result.answer).toContain(target.date);
  const cited = result.citations.find((c) => c.document.id === alpha.id && c.page === target.page);
  expect(cited).toMatchObject({ uri: `lockstep://document/${alpha.id}#page=${target.page}`, quote: target.text });
  expect(result.answer).toContain(`[${cited!.n}]`);
}

/** Private workspace and documents answer exactly as nonexistent ones do, through every tool and the resource. */
export async function checkUnsharedInvisible(client: Client, library: McpTestLibrary) {
  const hidden = library.privateDocumentId;
  const sameAsMissing = async (name: string, args: (id: number) => Record<string, unknown>) => {
    const forHidden = await refused(client, name, args(hidden));
    const forMissing = await refused(client, name, args(MISSING_ID));
    expect(forHidden.replaceAll(String(hidden), 'ID')).toBe(forMissing.replaceAll(String(MISSING_ID), 'ID'));
    expect(forHidden).toMatch(/^There is no document \d+ available to other apps/);
  };
  await sameAsMissing('read_page', (id) => ({ document: id, page: 1 }));
  await sameAsMissing('search_documents', (id) => ({ query: 'pump', documents: [id] }));
  for (const workspace of ['Private', String(library.privateWorkspaceId), 'Named', String(MISSING_ID), 'Nope']) {
    for (const [name, args] of [
      ['search_documents', { query: 'pump', workspace }],
      ['list_documents', { workspace }],
      ['ask', { question: 'What is the budget?', workspace }],
    ] as const) {
      expect(await refused(client, name, args)).toBe(
        `There is no workspace "${workspace}" available to other apps. Call list_documents to see what is shared, or share the workspace in Lockstep under Settings → Connections.`,
      );
    }
  }
  await expect(client.readResource({ uri: `lockstep://document/${hidden}#page=1` })).rejects.toThrow(/There is no document \d+ available to other apps/);
  const listed = await ok<{ documents: { id: number }[] }>(client, 'list_documents', {});
  expect(listed.documents.map((d) => d.id)).not.toContain(hidden);
}

/** Bad arguments are tool errors with a reason; the server keeps serving. */
export async function checkBadArguments(client: Client) {
  expect(await refused(client, 'read_page', { document: 'x', page: 1 })).toMatch(/Input validation error.*document/);
  expect(await refused(client, 'read_page', { document: -3, page: 0 })).toMatch(/Input validation error/);
  expect(await refused(client, 'search_documents', { query: '' })).toMatch(/Input validation error.*query/);
  expect(await refused(client, 'search_documents', { query: 'pump', k: 1e9 })).toMatch(/Input validation error.*k/);
  expect(await refused(client, 'search_documents', { query: 'pump', documents: Array(101).fill(1) })).toMatch(/Input validation error.*documents/);
  expect(await refused(client, 'list_documents', { cursor: 'not-a-cursor' })).toBe('That cursor is not one Lockstep issued. Pass back the nextCursor of the previous result unchanged.');
  expect(await refused(client, 'no_such_tool', {})).toMatch(/Tool no_such_tool not found/);
  await expect(client.readResource({ uri: 'lockstep://document/abc#page=1' })).rejects.toThrow(/There is no document/);
  await expect(client.ping()).resolves.toEqual({});
}
