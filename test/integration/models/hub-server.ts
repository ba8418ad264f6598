import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

// A local stand-in for huggingface.co that serves files the way the hub does:
// /<repo>/resolve/<revision>/<path> answers 302 to a CDN URL, with X-Linked-ETag (sha256) and X-Linked-Size for LFS
// files, or 200 with ETag = git blob sha1 for small files kept in git; the CDN honours Range / If-Range with 206.

export interface HostedFile {
  content: Buffer;
  /** Stored in LFS (redirect + sha256 headers) or in git (direct, git-sha1 ETag). */
  lfs: boolean;
}

export interface HubBehaviour {
  /** Close the connection after this many body bytes, once per file path (the next request succeeds). */
  disconnectAfter?: Record<string, number>;
  /** Answer every request with the whole file (200), as servers without Range support do. */
  ignoreRange?: boolean;
  /** Milliseconds to wait between 16 KiB chunks, to make transfers slow enough to cancel. */
  chunkDelayMs?: number;
  /** Send no checksum headers at all. */
  withoutChecksums?: boolean;
  /** Answer this many requests with 503 before serving normally. */
  unavailableFor?: number;
  /** Announce this Content-Length instead of the real one, then close (a server claiming a huge file). */
  announcedLength?: number;
}

export interface RecordedRequest {
  path: string;
  range?: string;
  ifRange?: string;
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
export const gitSha1 = (data: Buffer) => createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

export class HubServer {
  readonly requests: RecordedRequest[] = [];
  readonly files = new Map<string, HostedFile>();
  behaviour: HubBehaviour = {};
  private readonly disconnected = new Set<string>();
  private readonly server: http.Server;
  private readonly protocol: 'http' | 'https';

  /** With `tls` (PEM key and certificate) it serves https, as the real hub does. */
  constructor(options: { tls?: { key: string; cert: string } } = {}) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
    this.protocol = options.tls ? 'https' : 'http';
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `${this.protocol}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Hosts a file at /<repo>/resolve/<revision>/<path>. */
  host(repo: string, revision: string, filePath: string, file: HostedFile): void {
    this.files.set(`/${repo}/resolve/${revision}/${filePath}`, file);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ path: url.pathname, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
    if (this.behaviour.unavailableFor) {
      this.behaviour.unavailableFor--;
      res.writeHead(503).end('Service Unavailable');
      return;
    }
    if (url.pathname.startsWith('/cdn/')) return this.serveBytes(req, res, decodeURIComponent(url.pathname.slice('/cdn'.length)));
    const file = this.files.get(decodeURIComponent(url.pathname));
    if (!file) {
      res.writeHead(404).end('Entry not found');
      return;
    }
    if (file.lfs) {
      const headers: http.OutgoingHttpHeaders = { location: `/cdn${url.pathname}?signature=abc`, 'x-linked-size': String(file.content.length) };
      if (!this.behaviour.withoutChecksums) headers['x-linked-etag'] = `"${sha256(file.content)}"`;
      res.writeHead(302, headers).end();
      return;
    }
    this.serveBytes(req, res, url.pathname);
  }

  private serveBytes(req: http.IncomingMessage, res: http.ServerResponse, filePath: string): void {
    const file = this.files.get(filePath);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const data = file.content;
    const etag = this.behaviour.withoutChecksums ? `"v-${data.length}"` : `"${file.lfs ? sha256(data) : gitSha1(data)}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const honourRange = range && !this.behaviour.ignoreRange && (ifRange === undefined || ifRange === etag);
    if (honourRange) {
      start = Number(range[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, 'content-length': data.length - start, etag, 'accept-ranges': 'bytes' });
    } else if (this.behaviour.announcedLength !== undefined) {
      res.writeHead(200, { 'content-length': this.behaviour.announcedLength, etag });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 1000);
      return;
    } else {
      res.writeHead(200, { 'content-length': data.length, etag, 'accept-ranges': 'bytes' });
    }
    const cutAt = this.behaviour.disconnectAfter?.[filePath.replace(/^\/[^/]+\/[^/]+\/resolve\/[^/]+\//, '')];
    const cutOnce = cutAt !== undefined && !this.disconnected.has(filePath);
    this.stream(res, data, start, cutOnce ? start + cutAt : data.length, () => {
      if (!cutOnce) return res.end();
      this.disconnected.add(filePath);
      res.socket?.destroy();
    });
  }

  private stream(res: http.ServerResponse, data: Buffer, from: number, to: number, finish: () => void): void {
    const chunk = 16 * 1024;
    let at = from;
    const next = () => {
      if (res.destroyed) return;
      if (at >= to) return finish();
      const end = Math.min(at + chunk, to);
      res.write(data.subarray(at, end), () => (this.behaviour.chunkDelayMs ? setTimeout(next, this.behaviour.chunkDelayMs) : setImmediate(next)));
      at = end;
    };
    next();
  }
}

/** A throwaway self-signed certificate for 127.0.0.1 (needs the openssl command, as Debian ships it). */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A minimal HTTP CONNECT proxy that records where it tunnelled to. */
export class ConnectProxy {
  readonly tunnels: string[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly server = http.createServer((_req, res) => res.writeHead(405).end());

  constructor() {
    this.server.on('connect', (req, client, head) => {
      this.tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        this.sockets.add(upstream).add(client as net.Socket);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
