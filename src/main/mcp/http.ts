import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../platform/log';

// MCP over Streamable HTTP at /mcp on the local API. The API has already checked the host, the origin and the
// token; this keeps one server per session (so each call is logged under its client's name), a bounded number of them.

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_SESSIONS = 32;

export interface McpHttpHandler {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  close(): Promise<void>;
}

function jsonRpcError(response: ServerResponse, status: number, code: number, message: string) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readBody(request: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; status: number; message: string }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, status: 413, message: 'The request body is larger than 4 MB.' };
    parts.push(part as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(parts).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'Parse error: the request body is not valid JSON.' };
  }
}

export function createMcpHttpHandler(createServer: () => McpServer): McpHttpHandler {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();

  const end = async (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    await session.server.close().catch((error: unknown) => log.warn('could not close an MCP session', error));
  };

  return {
    async handle(request, response) {
      let body: unknown;
      if (request.method === 'POST') {
        const read = await readBody(request);
        if (!read.ok) return jsonRpcError(response, read.status, -32700, read.message);
        body = read.value;
      }
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session) return jsonRpcError(response, 404, -32001, 'Session not found: it ended or Lockstep restarted. Initialize a new session.');
        return session.transport.handleRequest(request, response, body);
      }
      if (request.method !== 'POST' || !isInitializeRequest(body)) {
        return jsonRpcError(response, 400, -32000, 'Bad request: start a session with an initialize request, then send its Mcp-Session-Id header.');
      }
      // The oldest session makes room for a new one: clients that vanish without DELETE must not pile up.
      if (sessions.size >= MAX_SESSIONS) await end(sessions.keys().next().value!);
      const server = createServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => end(id),
      });
      await server.connect(transport);
      await transport.handleRequest(request, response, body);
    },
    async close() {
      await Promise.all([...sessions.keys()].map((id) => end(id)));
    },
  };
}
