import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../shared/errors';
import { log } from '../platform/log';
import { DEFAULT_BUDGET_TOKENS } from './budget';
import { recordCall } from './call-log';
import type { McpScope } from './scope';
import {
  askInput,
  askOutput,
  askQuestion,
  citationUri,
  listDocuments,
  listInput,
  listOutput,
  pageRow,
  readPage,
  readPageInput,
  readPageOutput,
  searchDocuments,
  searchInput,
  searchOutput,
  toolDescriptions,
  type McpBackends,
  type ToolContext,
} from './tools';

// One MCP server per client session (stdio: the process; HTTP: one per session id). Tools only read; each call is
// logged with the client's name and the documents its result drew on.

export interface LockstepMcpOptions {
  backends: McpBackends;
  scope: McpScope;
  transport: 'stdio' | 'http';
  version: string;
  budgetTokens?: number;
}

/** Resources listed by resources/list; the rest are read by their citation URI. */
const LISTED_RESOURCES = 100;

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/** A result for the model: a short text rendering plus the structured value the output schema describes. */
const structured = (value: Record<string, unknown>, text: string): CallToolResult => ({ content: [{ type: 'text', text }], structuredContent: value });

const pageRef = (p: { document: { name: string }; page: number; pageEnd?: number; pageLabel: string | null }) =>
  `${p.document.name}, p. ${p.page}${p.pageEnd && p.pageEnd !== p.page ? `–${p.pageEnd}` : ''}${p.pageLabel && p.pageLabel !== String(p.page) ? ` (printed ${p.pageLabel})` : ''}`;
const more = (cursor: string | undefined) => (cursor ? `\n\nMore: call again with cursor "${cursor}".` : '');

export function createLockstepMcpServer(options: LockstepMcpOptions): McpServer {
  const budgetTokens = options.budgetTokens ?? DEFAULT_BUDGET_TOKENS;
  const server = new McpServer(
    { name: 'lockstep', title: 'Lockstep', version: options.version },
    { instructions: 'Lockstep is the user\'s private document library. search_documents finds passages with page citations; read_page reads a cited page; list_documents lists what is shared; ask answers from the documents with citations. Cite pages by their lockstep:// URI.' },
  );
  const descriptions = toolDescriptions(budgetTokens);
  const clientName = () => server.server.getClientVersion()?.name ?? 'unknown client';

  /** Runs one tool call: scope and budget in the context, the call logged, failures as tool errors the model can read. */
  async function run(tool: string, signal: AbortSignal, body: (ctx: ToolContext) => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
    const touched = new Set<number>();
    const ctx: ToolContext = { backends: options.backends, scope: options.scope, budgetTokens, signal, touch: (ids) => [...ids].forEach((id) => touched.add(id)) };
    let ok = false;
    try {
      const result = await body(ctx);
      ok = true;
      return result;
    } catch (error) {
      if (!(error instanceof AppError)) log.error(`MCP tool ${tool} failed`, error);
      const message = error instanceof AppError ? error.message : 'Something went wrong inside Lockstep. The details are in its log.';
      return { content: [{ type: 'text', text: message }], isError: true };
    } finally {
      try {
        recordCall(options.backends.db, { client: clientName(), transport: options.transport, tool, ok, documentIds: [...touched] });
      } catch (error) {
        log.warn('could not record an MCP call', error);
      }
    }
  }

  server.registerTool(
    'search_documents',
    { title: 'Search documents', description: descriptions.search_documents, inputSchema: searchInput, outputSchema: searchOutput, annotations: READ_ONLY },
    (args, extra) =>
      run('search_documents', extra.signal, async (ctx) => {
        const result = await searchDocuments(ctx, args);
        const lines = result.passages.map((p, i) => `[${i + 1}] ${pageRef(p)} — ${p.uri}\n${p.text}`);
        const text = (result.notice ? `Note: ${result.notice}\n\n` : '') + (lines.length ? lines.join('\n\n') : 'No passages match that search.') + more(result.nextCursor);
        return structured(result, text);
      }),
  );

  server.registerTool(
    'read_page',
    { title: 'Read a page', description: descriptions.read_page, inputSchema: readPageInput, outputSchema: readPageOutput, annotations: READ_ONLY },
    (args, extra) =>
      run('read_page', extra.signal, (ctx) => {
        const result = readPage(ctx, args);
        return structured(result, `${pageRef(result)} of ${result.pageCount ?? '?'} — ${result.uri}\n\n${result.text}${more(result.nextCursor)}`);
      }),
  );

  server.registerTool(
    'list_documents',
    { title: 'List documents', description: descriptions.list_documents, inputSchema: listInput, outputSchema: listOutput, annotations: READ_ONLY },
    (args, extra) =>
      run('list_documents', extra.signal, (ctx) => {
        const result = listDocuments(ctx, args);
        const rows = result.documents.map((d) => `${d.id} · ${d.name} · ${d.format} · ${d.pages ?? '?'} pages · ${d.status} · ${d.workspace}`);
        return structured(result, `${result.total} documents${rows.length ? `\n${rows.join('\n')}` : ''}${more(result.nextCursor)}`);
      }),
  );

  server.registerTool(
    'ask',
    // Reads only; the answer may come from Groq when the user chose it, so this is the one tool that can leave the machine.
    { title: 'Ask the documents', description: descriptions.ask, inputSchema: askInput, outputSchema: askOutput, annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false } },
    (args, extra) =>
      run('ask', extra.signal, async (ctx) => {
        const result = await askQuestion(ctx, args);
        const sources = result.citations.map((c) => `[${c.n}] ${pageRef(c)} — ${c.uri}`);
        return structured(result, `${result.answer}${sources.length ? `\n\nSources:\n${sources.join('\n')}` : ''}`);
      }),
  );

  // The citation URIs themselves are readable: lockstep://document/<id>#page=<n> gives that page's text.
  server.registerResource(
    'page',
    new ResourceTemplate('lockstep://document/{document}#page={page}', {
      // The first page of the most recently indexed shared documents, for clients that offer resources to attach.
      list: () => ({
        resources: (
          options.backends.db
            .prepare(
              `SELECT id, title, page_count AS pages FROM documents WHERE status = 'indexed' AND workspace_id IN (SELECT value FROM json_each(?))
               ORDER BY updated_at DESC, id DESC LIMIT ${LISTED_RESOURCES}`,
            )
            .all(JSON.stringify(options.scope.workspaces().map((w) => w.id))) as { id: number; title: string; pages: number | null }[]
        ).map((d) => ({ uri: citationUri(d.id, 1), name: `${d.title}, p. 1`, description: `Page 1 of ${d.pages ?? '?'}`, mimeType: 'text/plain' })),
      }),
    }),
    { title: 'Document page', description: 'One page of a shared document as text, addressed by its citation URI.', mimeType: 'text/plain' },
    async (uri, variables) => {
      const documentId = Number(variables.document);
      const page = Number(variables.page);
      let ok = false;
      try {
        const document = options.scope.document(Number.isSafeInteger(documentId) ? documentId : -1);
        if (!Number.isSafeInteger(page) || page < 1) throw new AppError('page_not_found', `There is no page "${String(variables.page)}" in "${document.title}".`);
        const row = pageRow(options.backends.db, document, page);
        ok = true;
        return { contents: [{ uri: citationUri(document.id, page), mimeType: 'text/plain', text: row.text }] };
      } finally {
        recordCall(options.backends.db, { client: clientName(), transport: options.transport, tool: 'read_page (resource)', ok, documentIds: ok ? [documentId] : [] });
      }
    },
  );

  return server;
}
