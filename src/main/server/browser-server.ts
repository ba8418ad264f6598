import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { contract } from '../../shared/contract/index';
import { createDispatcher } from '../ipc/dispatcher';
import { createHandlers } from '../handlers/index';
import type { Services } from '../services';
import { realRoots } from '../access/picker';
import { log } from '../platform/log';
import { cookieToken, createLaunchToken, isLocalRequest, TOKEN_COOKIE, tokensMatch } from './auth';
import { serveStatic } from './static-files';

export interface BrowserServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const contentSecurityPolicy = (port: number) =>
  [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/**
 * Browser mode: the built renderer and the IPC contract over a WebSocket, on 127.0.0.1 only.
 * Every request needs the per-launch token (query on first load, then an HttpOnly SameSite cookie).
 */
export async function startBrowserServer(options: {
  services: Services;
  rendererDir: string;
  port?: number;
  /**
   * Folders the UI's file picker may list and grant from besides the registered library folders (default none: a token
   * holder must not browse the user's home); null turns the picker off.
   */
  pickerRoots?: readonly string[] | null;
}): Promise<BrowserServer> {
  const token = createLaunchToken();
  const rendererDir = path.resolve(options.rendererDir);
  const dispatcher = createDispatcher(contract, createHandlers(options.services, 'browser'), 'websocket');
  const pickerRoots = options.pickerRoots === null ? null : await realRoots(options.pickerRoots ?? []);
  let port = 0;

  const authorised = (request: IncomingMessage, url: URL) =>
    isLocalRequest(request, port) && (tokensMatch(token, url.searchParams.get('token')) || tokensMatch(token, cookieToken(request)));

  const refuse = (response: ServerResponse, status: number, text: string) => {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(text);
  };

  const http = createServer((request, response) => {
    try {
      handleRequest(request, response);
    } catch (error) {
      // One bad request must never take down browser mode (and the ingestion and answers running in it).
      log.warn('browser server: request failed', error);
      if (!response.headersSent) refuse(response, 400, 'Bad request.');
      else response.destroy();
    }
  });

  const handleRequest = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!authorised(request, url)) return refuse(response, 403, 'Forbidden: open Lockstep with the URL it printed at launch.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed.');
    const headers: Record<string, string> = {
      'Content-Security-Policy': contentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
    };
    if (serveStatic(rendererDir, url.pathname, response, headers)) return;
    // Client-side routes fall back to the app shell.
    if (!path.extname(url.pathname) && serveStatic(rendererDir, '/index.html', response, headers)) return;
    refuse(response, 404, 'Not found.');
  };

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/ipc' || !authorised(request, url)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => {
      // What this page picks in the file picker is granted to its own connection only, and gone when it closes.
      const grantedPaths = new Set<string>();
      const picker = pickerRoots && { roots: pickerRoots, grant: (paths: readonly string[]) => paths.forEach((p) => grantedPaths.add(p)) };
      const connection = dispatcher.connect((message) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      }, { grantedPaths, picker: picker ?? undefined });
      ws.on('message', (data) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.toString());
        } catch {
          parsed = null;
        }
        connection.receive(parsed);
      });
      ws.on('close', () => connection.close());
      ws.on('error', (error) => log.warn('websocket error', error));
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
