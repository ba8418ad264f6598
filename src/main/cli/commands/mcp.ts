import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import pkg from '../../../../package.json';
import { createLockstepMcpServer } from '../../mcp/server';
import { createScope, resolveNamedWorkspaces } from '../../mcp/scope';
import type { CommandModule } from '../context';

// lockstep mcp [--workspace NAME ...]: the MCP server MCP clients (Claude Desktop, VS Code, Cursor) start from their
// config. stdout carries JSON-RPC and nothing else; logs and anything a library prints go to stderr.

/** Takes stdout for JSON-RPC alone: everything else written to it (console.log, workers' output) goes to stderr. */
function claimStdout(): { jsonRpc: Writable; flush(): Promise<void> } {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  return {
    jsonRpc: new Writable({ write: (chunk: Buffer, _encoding, done) => void write(chunk, (error) => done(error ?? null)) }),
    // The CLI exits right after the command: the last replies must be out of the pipe first.
    flush: () => new Promise((resolve) => write('', () => resolve())),
  };
}

/**
 * Resolves once every request received so far has been answered: a script may pipe its requests and close stdin at
 * once (`printf … | lockstep mcp`), and still gets every reply.
 */
function trackReplies(transport: StdioServerTransport): () => Promise<void> {
  let pending = 0;
  let idle: (() => void) | null = null;
  const received = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ('id' in message && 'method' in message) pending++;
    received(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if ('id' in message && !('method' in message) && --pending === 0) idle?.();
  };
  return () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));
}

export const mcpCommand: CommandModule = (program, cli) => {
  program
    .command('mcp')
    .description('serve your library to MCP clients over stdio (the workspaces switched to "Available to other apps", and any named here)')
    .option('--workspace <name>', 'also serve this workspace in this session (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--budget-tokens <n>', 'about how many tokens one tool result may take (default 4000)', (v) => Number.parseInt(v, 10))
    .action(async (options: { workspace?: string[]; budgetTokens?: number }) => {
      const stdout = claimStdout();
      const services = cli.services();
      const scope = createScope(services.db, resolveNamedWorkspaces(services.db, options.workspace ?? []));
      const budgetTokens = options.budgetTokens && options.budgetTokens >= 500 ? options.budgetTokens : undefined;
      const server = createLockstepMcpServer({ backends: services.mcp, scope, transport: 'stdio', version: pkg.version, budgetTokens });
      const closed = new Promise<void>((resolve) => {
        // The client ends the session by closing stdin (or by a signal); the command then closes the library.
        process.stdin.once('end', resolve);
        process.stdin.once('close', resolve);
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const transport = new StdioServerTransport(process.stdin, stdout.jsonRpc);
      await server.connect(transport);
      const answered = trackReplies(transport);
      await closed;
      await answered();
      await server.close();
      await stdout.flush();
    });
};
