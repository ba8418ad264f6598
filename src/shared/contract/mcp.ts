import { z } from 'zod';
import { call } from './define';

// Connections: what MCP clients (Claude Desktop, VS Code, Cursor…) may see of the library, what they asked for
// lately, and the configuration to paste into them.

const id = z.number().int().positive();

export const mcpCall = z.object({
  id: z.number().int(),
  /** The name the client gave when it connected (e.g. "claude-ai", "Visual Studio Code"). */
  client: z.string(),
  transport: z.enum(['stdio', 'http']),
  tool: z.string(),
  at: z.number(),
  ok: z.boolean(),
  /** Documents the result drew on. */
  documents: z.array(z.object({ id: z.number().int(), title: z.string().nullable() })),
});
export type McpCall = z.infer<typeof mcpCall>;

export const mcpClientConfig = z.object({
  client: z.enum(['claude-desktop', 'vscode', 'cursor']),
  /** stdio: the client starts `lockstep mcp` itself; http: it connects to /mcp on the running local API with its token. */
  transport: z.enum(['stdio', 'http']),
  /** Where the snippet goes, as a path or a sentence. */
  file: z.string(),
  /** Ready-to-paste JSON with the absolute command path filled in. */
  json: z.string(),
});
export type McpClientConfig = z.infer<typeof mcpClientConfig>;

export const mcpSharedWorkspace = z.object({ id: z.number().int(), name: z.string(), documentCount: z.number().int(), shared: z.boolean() });
export type McpSharedWorkspace = z.infer<typeof mcpSharedWorkspace>;

export const mcpStatus = z.object({
  /** The /mcp endpoint on the local API is switched on (the mcpEnabled setting). */
  httpEnabled: z.boolean(),
  /** Where it listens while the local API runs, else null. */
  httpUrl: z.string().nullable(),
  workspaces: z.array(mcpSharedWorkspace),
});
export type McpStatus = z.infer<typeof mcpStatus>;

export const mcp = {
  status: call(z.object({}), mcpStatus),
  /** The "Available to other apps" switch of one workspace. */
  setWorkspaceShared: call(z.object({ workspaceId: id, shared: z.boolean() }), mcpSharedWorkspace),
  /** Everything off at once: /mcp stops answering and no workspace stays shared. */
  turnOff: call(z.object({}), mcpStatus),
  recentCalls: call(z.object({ limit: z.number().int().min(1).max(200).default(50) }), z.array(mcpCall)),
  /**
   * Config for each client: stdio snippets (the named workspaces are served to that client even when not switched on),
   * then HTTP ones for the clients that support it while /mcp is served (shared workspaces only).
   */
  clientConfigs: call(z.object({ workspaces: z.array(z.string().trim().min(1).max(80)).max(20).default([]) }), z.array(mcpClientConfig)),
};
