import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBrowserServer, type BrowserServer } from '../../../src/main/server/browser-server';
import { createServices, type Services } from '../../../src/main/services';

let dir: string;
let services: Services;
let server: BrowserServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-server-'));
  const renderer = path.join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Lockstep</title>');
  services = createServices({ dataDir: path.join(dir, 'data'), mode: 'test' });
  server = await startBrowserServer({ services, rendererDir: renderer });
});
afterAll(async () => {
  await server.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${server.port}`;

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser mode server', () => {
  it('binds to 127.0.0.1 and serves the UI with the token, with a strict CSP', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toMatch(/https?:\/\/(?!127)/);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses HTTP without the token, with a wrong token, and path traversal', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(403);
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`${base()}/..%2f..%2fetc%2fpasswd?token=${server.token}`)).status).toBe(404);
    // A malformed escape is a 404, not a crash of the whole server.
    expect((await fetch(`${base()}/assets/100%.js?token=${server.token}`)).status).toBe(404);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('refuses a WebSocket without the token or from a foreign origin', async () => {
    await expect(openSocket(`ws://127.0.0.1:${server.port}/ipc`)).rejects.toThrow(/403|Unexpected|socket hang up/);
    await expect(openSocket(`ws://127.0.0.1:${server.port}/ipc?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow();
  });

  it('refuses a rebinding Host header even with the token', async () => {
    const res = await new Promise<number>((resolve) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { Host: 'attacker.example' } }, (r) => resolve(r.statusCode ?? 0));
        req.end();
      });
    });
    expect(res).toBe(403);
  });

  it('answers contract calls over the WebSocket and validates arguments', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${server.port}/ipc?token=${server.token}`, { Origin: base() });
    const replies: unknown[] = [];
    const got = new Promise<void>((resolve) => ws.on('message', (d) => replies.push(JSON.parse(d.toString())) === 2 && resolve()));
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'workspaces.create', args: { name: 'Research' } }));
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'workspaces.create', args: { name: '' } }));
    await got;
    ws.close();
    expect(replies).toContainEqual(expect.objectContaining({ id: 1, ok: true, value: expect.objectContaining({ name: 'Research' }) }));
    expect(replies).toContainEqual(expect.objectContaining({ id: 2, ok: false, error: expect.objectContaining({ code: 'invalid_argument' }) }));
    expect(services.db.prepare("SELECT COUNT(*) AS n FROM workspaces WHERE name = 'Research'").get()).toEqual({ n: 1 });
  });
});
