import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppUnderTest } from './harness';

let app: AppUnderTest;
beforeAll(async () => {
  app = await launchApp();
});
afterAll(async () => app?.close());

describe('foundation: Chromium → WebSocket → handler → SQLite', () => {
  it('shows versions read from SQLite through the typed client', async () => {
    await expect.poll(() => app.page.locator('[data-testid="sqlite-vec-version"]').textContent()).toMatch(/^v\d+\.\d+\.\d+/);
    expect(await app.page.locator('[data-testid="sqlite-version"]').textContent()).toMatch(/^3\.\d+/);
  });

  it('writes through the UI and the row lands in the SQLite file', async () => {
    const name = `E2E workspace ${Date.now()}`;
    const created = await app.page.evaluate(async (workspaceName) => {
      // The page's own WebSocket transport, exercised from inside Chromium.
      const socket = new WebSocket(`ws://${location.host}/ipc?token=${new URLSearchParams(location.search).get('token')}`);
      await new Promise((resolve) => socket.addEventListener('open', resolve));
      const reply = new Promise<unknown>((resolve) => socket.addEventListener('message', (e) => resolve(JSON.parse(String(e.data)))));
      socket.send(JSON.stringify({ t: 'call', id: 1, method: 'workspaces.create', args: { name: workspaceName } }));
      const result = await reply;
      socket.close();
      return result;
    }, name);
    expect(created).toMatchObject({ ok: true, value: { name } });
    const db = new Database(path.join(app.dataDir, 'lockstep.sqlite'), { readonly: true });
    expect(db.prepare('SELECT name FROM workspaces WHERE name = ?').get(name)).toEqual({ name });
    db.close();
  });

  it('refuses the page and the socket to a browser without the token', async () => {
    const stranger = await app.browser.newContext();
    const page = await stranger.newPage();
    const response = await page.goto(`http://127.0.0.1:${app.port}/`);
    expect(response?.status()).toBe(403);
    const refused = await page.evaluate(
      (port) =>
        new Promise<boolean>((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${port}/ipc`);
          socket.addEventListener('open', () => resolve(false));
          socket.addEventListener('error', () => resolve(true));
        }),
      app.port,
    );
    expect(refused).toBe(true);
    const wrongToken = await page.goto(`http://127.0.0.1:${app.port}/?token=not-the-token`);
    expect(wrongToken?.status()).toBe(403);
    await stranger.close();
  });
});
