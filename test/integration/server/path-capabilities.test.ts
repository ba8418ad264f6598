import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { contract } from '../../../src/shared/contract/index';
import type { CallerContext } from '../../../src/shared/contract/define';
import type { ServerMessage } from '../../../src/shared/contract/wire';
import { grantPaths } from '../../../src/main/access/grants';
import { addLibraryFolder } from '../../../src/main/access/library-folders';
import { createHandlers } from '../../../src/main/handlers/index';
import { createDispatcher } from '../../../src/main/ipc/dispatcher';
import { startBrowserServer, type BrowserServer } from '../../../src/main/server/browser-server';
import { startLocalApi } from '../../../src/main/server/local-api';
import { createServices, type Services } from '../../../src/main/services';

// Every contract method that takes a path or an id, called with hostile values through the real dispatcher (as an
// Electron window with grants) and the browser-mode WebSocket server: no byte of a canary file outside the grants may
// come back in any message or land anywhere in the data folder (database, WAL, uploads, caches).

const CANARY = `CANARY-${randomBytes(12).toString('hex')}`;
const ALLOWED = `ALLOWED-${randomBytes(12).toString('hex')}`;
// A reply could carry the canary as text, or as base64 of the file (library.original): look for both.
const canaryForms = [CANARY, Buffer.from(`${CANARY}\n`).toString('base64').slice(0, 16)];

let root: string;
let dataDir: string;
let outside: string;
let canary: string;
let libraryDir: string;
let grantedFile: string;
let home: string;
let services: Services;
let server: BrowserServer;

beforeAll(async () => {
  process.env.LOCKSTEP_LOG = 'silent';
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lockstep-capabilities-')));
  dataDir = path.join(root, 'data');
  outside = path.join(root, 'outside');
  libraryDir = path.join(root, 'library');
  mkdirSync(outside);
  mkdirSync(libraryDir);
  canary = path.join(outside, 'canary.txt');
  writeFileSync(canary, `${CANARY}\n`);
  writeFileSync(path.join(outside, 'canary.gguf'), `GGUF${CANARY}`);
  writeFileSync(path.join(libraryDir, 'allowed.txt'), `${ALLOWED}\n`);
  writeFileSync(path.join(libraryDir, '.hidden-canary.txt'), `${CANARY}\n`);
  symlinkSync(canary, path.join(libraryDir, 'escape.txt'));
  symlinkSync(outside, path.join(libraryDir, 'linked-folder'));
  grantedFile = path.join(root, 'granted.txt');
  writeFileSync(grantedFile, `${ALLOWED} granted\n`);
  // The browser-mode picker's root: a stand-in for the user's home, beside (never above) the canary.
  home = path.join(root, 'home');
  mkdirSync(path.join(home, 'notes'), { recursive: true });
  writeFileSync(path.join(home, 'notes', 'picked.txt'), `${ALLOWED} picked in the browser\n`);
  mkdirSync(path.join(home, 'models'));
  writeFileSync(path.join(home, 'models', 'model.gguf'), 'GGUF');
  writeFileSync(path.join(home, '.secret.txt'), `${CANARY}\n`);
  symlinkSync(canary, path.join(home, 'notes', 'escape.txt'));
  symlinkSync(outside, path.join(home, 'outside-link'));
  const renderer = path.join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Lockstep</title>');
  services = createServices({ dataDir, mode: 'test' });
  await addLibraryFolder(services.db, dataDir, libraryDir);
  server = await startBrowserServer({ services, rendererDir: renderer, pickerRoots: [home] });
});

afterAll(async () => {
  await server?.close();
  await services?.close();
  rmSync(root, { recursive: true, force: true });
});

/** One call or stream, to its result (streams: also their events), over some transport. */
type Send = (kind: 'call' | 'stream', method: string, args: unknown) => Promise<ServerMessage[]>;

function dispatcherTransport(caller: CallerContext): Send {
  const dispatcher = createDispatcher(contract, createHandlers(services, 'electron'), 'test');
  return (kind, method, args) =>
    new Promise((resolve) => {
      const messages: ServerMessage[] = [];
      const connection = dispatcher.connect((message) => {
        messages.push(JSON.parse(JSON.stringify(message)) as ServerMessage);
        if (message.t !== 'event') {
          connection.close();
          resolve(messages);
        }
      }, caller);
      connection.receive({ t: kind, id: 1, method, args });
      // Streams that would run on (an answer being generated) are cancelled once they have shown what they return.
      if (kind === 'stream') setTimeout(() => connection.receive({ t: 'cancel', id: 1 }), 3_000);
    });
}

async function webSocketTransport(on: BrowserServer = server): Promise<{ send: Send; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${on.port}/ipc?token=${on.token}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { messages: ServerMessage[]; done(messages: ServerMessage[]): void }>();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage;
    const entry = waiting.get(message.id);
    if (!entry) return;
    entry.messages.push(message);
    if (message.t !== 'event') {
      waiting.delete(message.id);
      entry.done(entry.messages);
    }
  });
  return {
    send: (kind, method, args) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, { messages: [], done: resolve });
        ws.send(JSON.stringify({ t: kind, id, method, args }));
        if (kind === 'stream') setTimeout(() => ws.send(JSON.stringify({ t: 'cancel', id })), 3_000);
      }),
    close: () => ws.close(),
  };
}

const HUGE = [0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e308, '1', null];
const MISSING_ID = 987_654;

/** Hostile path values: relative, `..` escapes, absolute paths outside the grants, symlinks out of a granted folder, NUL. */
function hostilePaths(): string[] {
  const fromCwd = path.relative(process.cwd(), canary);
  return [
    canary,
    outside,
    fromCwd,
    `../../${fromCwd}`,
    'outside/canary.txt',
    `${libraryDir}/../outside/canary.txt`,
    path.join(libraryDir, 'escape.txt'),
    path.join(libraryDir, 'linked-folder'),
    path.join(libraryDir, 'linked-folder', 'canary.txt'),
    path.join(libraryDir, '.hidden-canary.txt'),
    `${canary}\0.txt`,
    `${path.join(libraryDir, 'allowed.txt')}\0${canary}`,
    path.join(dataDir, 'lockstep.sqlite'),
    `file://${canary}`,
    '/',
    root,
    path.join(root, 'granted.txt', '..', 'outside', 'canary.txt'),
  ];
}

/** Every method that names a path or an id, with the hostile requests it gets; the coverage test keeps this complete. */
function hostileRequests(): Record<string, { kind: 'call' | 'stream'; requests: unknown[] }> {
  const paths = hostilePaths();
  const ids = [...HUGE, MISSING_ID];
  const idLists = [[MISSING_ID], [-1], [Number.MAX_SAFE_INTEGER], [1e308], ['1'], new Array(100_001).fill(1)];
  return {
    'library.addPaths': { kind: 'call', requests: [...paths.map((p) => ({ paths: [p] })), { paths: [path.join(libraryDir, 'allowed.txt'), canary] }, { paths: [canary], workspaceId: MISSING_ID }] },
    'models.import': { kind: 'call', requests: [...paths.map((p) => ({ path: p })), { path: path.join(outside, 'canary.gguf') }, { path: path.join(outside, 'canary.gguf'), link: true, id: '../../escape' }] },
    'settings.update': { kind: 'call', requests: [{ chatModelId: path.join(outside, 'canary.gguf') }, { chatModelId: 'outside/canary.gguf' }, { embedderId: outside }, { embedderId: '../../outside' }] },
    'library.addUploads': { kind: 'call', requests: ids.map((workspaceId) => ({ files: [{ name: '../../outside/canary.txt', bytesBase64: '' }], workspaceId })) },
    'library.addFolder': { kind: 'call', requests: [...ids.map((workspaceId) => ({ workspaceId })), ...paths.map((p) => ({ path: p }))] },
    'files.browse': { kind: 'call', requests: [...paths.map((p) => ({ path: p })), { path: path.join(home, '.secret.txt') }, { path: path.join(home, 'outside-link') }] },
    'files.grant': { kind: 'call', requests: [...paths.map((p) => ({ paths: [p] })), { paths: [path.join(home, 'notes', 'picked.txt'), canary] }, { paths: [path.join(home, 'notes', 'escape.txt')] }] },
    'files.choose': { kind: 'call', requests: [{ select: 'files' }, { select: 'folder', filter: 'models' }] },
    'library.removeFolder': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'library.list': { kind: 'call', requests: ids.map((workspaceId) => ({ workspaceId })) },
    'library.providePassword': { kind: 'call', requests: ids.map((documentId) => ({ documentId, password: 'x' })) },
    'library.reindex': { kind: 'call', requests: idLists.map((documentIds) => ({ documentIds })) },
    'library.remove': { kind: 'call', requests: idLists.map((documentIds) => ({ documentIds })) },
    'library.cancel': { kind: 'call', requests: idLists.map((documentIds) => ({ documentIds })) },
    'library.pages': { kind: 'call', requests: [...ids.map((documentId) => ({ documentId })), { documentId: MISSING_ID, from: -5, to: 2 ** 40 }] },
    'library.original': { kind: 'call', requests: ids.map((documentId) => ({ documentId })) },
    'workspaces.rename': { kind: 'call', requests: ids.map((id) => ({ id, name: 'renamed' })) },
    'workspaces.remove': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'workspaces.setTier': { kind: 'call', requests: ids.map((id) => ({ id, pin: 'cold' })) },
    'workspaces.cancelTierMove': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'threads.list': { kind: 'call', requests: ids.map((workspaceId) => ({ workspaceId })) },
    'threads.search': { kind: 'call', requests: ids.map((workspaceId) => ({ query: 'leave', workspaceId })) },
    'threads.get': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'threads.rename': { kind: 'call', requests: ids.map((id) => ({ id, title: 't' })) },
    'threads.remove': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'mcp.setWorkspaceShared': { kind: 'call', requests: ids.map((workspaceId) => ({ workspaceId, shared: false })) },
    'mcp.clientConfigs': { kind: 'call', requests: [{ workspaces: [canary] }, { workspaces: ['../../outside'] }, { workspaces: ['x'.repeat(81)] }] },
    'threads.exportMarkdown': { kind: 'call', requests: ids.map((id) => ({ id })) },
    'search.query': { kind: 'call', requests: [...ids.map((workspaceId) => ({ query: CANARY.slice(0, 12), mode: 'bm25', workspaceId })), ...idLists.slice(0, 5).map((documentIds) => ({ query: 'canary', mode: 'bm25', documentIds }))] },
    'chat.ask': {
      kind: 'stream',
      requests: [
        { question: 'What does the canary say?', threadId: MISSING_ID },
        { question: 'q', documentIds: [MISSING_ID], workspaceId: MISSING_ID },
        { question: 'q', threadId: -1 },
        ...[path.join(outside, 'canary.gguf'), path.relative(process.cwd(), path.join(outside, 'canary.gguf')), path.join(libraryDir, 'linked-folder', 'canary.gguf')].map((model) => ({ question: 'q', provider: 'lpu', mode: 'chat', model })),
      ],
    },
    'chat.regenerate': { kind: 'stream', requests: [...ids.map((messageId) => ({ messageId })), { messageId: 1, provider: 'lpu', model: path.join(outside, 'canary.gguf') }] },
    'chat.quickAction': { kind: 'stream', requests: ids.map((documentId) => ({ action: 'summarize', documentId })) },
    'chat.warmQuickActions': { kind: 'call', requests: ids.map((workspaceId) => ({ workspaceId })) },
    'models.pull': { kind: 'stream', requests: [{ id: '../../outside' }, { id: canary }, { id: '' }] },
    'models.remove': { kind: 'call', requests: [{ id: '../../outside' }, { id: canary }, { id: '..' }, { id: 'stories260K' }] },
    'models.setActive': { kind: 'call', requests: [{ kind: 'chat', id: path.join(outside, 'canary.gguf') }, { kind: 'embedding', id: '../outside' }] },
    // OpenAI-compatible servers are named by an id of their own: none of these is one, so each is refused.
    ...Object.fromEntries(
      ['providers.updateOpenAiServer', 'providers.removeOpenAiServer', 'providers.testOpenAiServer'].map((method) => [
        method,
        { kind: 'call' as const, requests: [...ids, '../../outside', canary, '', 'no-such-server', 'x'.repeat(41)].map((id) => ({ id })) },
      ]),
    ),
    // A server's model is a name sent to that server, never a path read here; only http(s) addresses are taken.
    'providers.addOpenAiServer': {
      kind: 'call',
      requests: [`file://${canary}`, 'http://user:pw@127.0.0.1:9/v1', canary, `${canary}\0`].map((baseURL) => ({ name: 'hostile', baseURL, model: canary })),
    },
  };
}

/** Runs every hostile request; returns all messages as text and asserts the path refusals are exact. */
async function attack(send: Send): Promise<string> {
  const seen: string[] = [];
  for (const [method, { kind, requests }] of Object.entries(hostileRequests())) {
    for (const request of requests) {
      const messages = await send(kind, method, request);
      seen.push(...messages.map((m) => JSON.stringify(m)));
      const last = messages.at(-1)!;
      // No hostile value makes a handler crash: every failure is an AppError with a code the user can act on.
      if (last.t === 'result' && !last.ok) expect.soft(last.error.code, `${method} ${JSON.stringify(request).slice(0, 120)}`).not.toBe('internal');
      if (method === 'library.addPaths' || method === 'models.import' || method === 'files.browse' || method === 'files.grant') {
        expect.soft(last, `${method} ${JSON.stringify(request).slice(0, 160)}`).toMatchObject({ t: 'result', ok: false });
        // A window (no picker) is refused the picker outright; the WebSocket refuses each path.
        if (last.t === 'result' && !last.ok) expect.soft(['path_not_allowed', 'invalid_argument', 'not_found', 'not_supported']).toContain(last.error.code);
      }
    }
  }
  // Then read back everything the library would serve, as an attacker would once a file got in.
  await services.ingest.whenIdle();
  for (let documentId = 1; documentId <= 40; documentId++) {
    for (const method of ['library.pages', 'library.original']) seen.push(...(await send('call', method, { documentId })).map((m) => JSON.stringify(m)));
  }
  seen.push(...(await send('call', 'search.query', { query: CANARY, mode: 'bm25' })).map((m) => JSON.stringify(m)));
  seen.push(...(await send('call', 'library.list', {})).map((m) => JSON.stringify(m)));
  return seen.join('\n');
}

/** Every file under the data folder (database, -wal, -shm, uploads, caches), as bytes. */
function dataFolderBytes(): string {
  const chunks: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) chunks.push(readFileSync(full).toString('latin1'));
    }
  };
  walk(dataDir);
  return chunks.join('\n');
}

describe('path capabilities: hostile paths and ids', () => {
  it('lists every contract method that names a path or an id', () => {
    const named = Object.entries(contract).flatMap(([domain, methods]) =>
      Object.entries(methods)
        .filter(([, spec]) => Object.keys((spec.request as unknown as { shape?: object }).shape ?? {}).some((key) => /(^id|Id|Ids|^ids|path|paths|^model)$/.test(key)))
        .map(([name]) => `${domain}.${name}`),
    );
    expect(named.length).toBeGreaterThan(20);
    expect(Object.keys(hostileRequests())).toEqual(expect.arrayContaining(named));
  });

  it('grants a window only real files it was handed, never strings a page made up', async () => {
    const granted = new Set<string>();
    expect(await grantPaths(granted, [grantedFile, 'outside/canary.txt', '', 42, `${canary}\0`, path.join(root, 'nope.txt')])).toEqual([grantedFile, null, null, null, null, null]);
    expect([...granted]).toEqual([grantedFile]);
    expect(await grantPaths(granted, 'not a list')).toEqual([]);
  });

  it('an Electron window adds what it was granted and what is in a library folder, and nothing else', async () => {
    const send = dispatcherTransport({ grantedPaths: new Set([grantedFile]) });
    const [viaGrant] = await send('call', 'library.addPaths', { paths: [grantedFile] });
    expect(viaGrant).toMatchObject({ ok: true, value: { added: [{ path: grantedFile }], missing: [] } });
    const [viaFolder] = await send('call', 'library.addPaths', { paths: [libraryDir] });
    // The walk takes the folder's own files: not the symlinks out of it, not hidden files.
    expect(viaFolder).toMatchObject({ ok: true, value: { added: [{ path: path.join(libraryDir, 'allowed.txt') }] } });
    const [gone] = await send('call', 'library.addPaths', { paths: [path.join(libraryDir, 'not-yet-written.txt')] });
    expect(gone).toMatchObject({ ok: true, value: { added: [], missing: [path.join(libraryDir, 'not-yet-written.txt')] } });
    const [sibling] = await send('call', 'library.addPaths', { paths: [path.join(root, 'renderer', 'index.html')] });
    expect(sibling).toMatchObject({ ok: false, error: { code: 'path_not_allowed', message: expect.stringContaining('not in a library folder') } });
    const [link] = await send('call', 'library.addPaths', { paths: [path.join(libraryDir, 'escape.txt')] });
    expect(link).toMatchObject({ ok: false, error: { code: 'path_not_allowed', message: expect.stringContaining('link that leads outside') } });
    const [relative] = await send('call', 'library.addPaths', { paths: ['library/allowed.txt'] });
    expect(relative).toMatchObject({ ok: false, error: { code: 'path_not_allowed', message: expect.stringContaining('must be absolute') } });
    const [dots] = await send('call', 'library.addPaths', { paths: [`${libraryDir}/../library/allowed.txt`] });
    expect(dots).toMatchObject({ ok: false, error: { code: 'path_not_allowed', message: expect.stringContaining('".."') } });
    // The local model loader takes .gguf paths too: a caller may name only one it could add as a file.
    const [model] = await send('stream', 'chat.ask', { question: 'q', provider: 'lpu', mode: 'chat', model: path.join(outside, 'canary.gguf') });
    expect(model).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
    const [noDialog] = await send('call', 'library.addFolder', {});
    expect(noDialog).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    await services.ingest.whenIdle();
  });

  it("registers the folder the user picks in main's own dialog, and nothing when the dialog is cancelled", async () => {
    const picked = path.join(root, 'picked');
    mkdirSync(picked);
    writeFileSync(path.join(picked, 'report.txt'), `${ALLOWED} picked\n`);
    let answer: string | null = null;
    const send = dispatcherTransport({ chooseFolder: async () => answer });
    expect((await send('call', 'library.addFolder', {}))[0]).toMatchObject({ ok: true, value: { folder: null, added: [] } });
    answer = picked;
    const [added] = await send('call', 'library.addFolder', {});
    expect(added).toMatchObject({ ok: true, value: { folder: { path: picked }, added: [{ path: path.join(picked, 'report.txt'), queued: true }], missing: [] } });
    // Another window (or a WebSocket client) may now add what is under it, and still nothing beside it.
    const other = dispatcherTransport({});
    expect((await other('call', 'library.addPaths', { paths: [path.join(picked, 'report.txt')] }))[0]).toMatchObject({ ok: true });
    expect((await other('call', 'library.addPaths', { paths: [canary] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
    expect((await other('call', 'library.folders', {}))[0]).toMatchObject({ ok: true, value: { folders: expect.arrayContaining([expect.objectContaining({ path: picked })]) } });
    await services.ingest.whenIdle();
  });

  it("browser mode's picker lists the roots without hidden entries or links out, and grants picks to that connection only", async () => {
    const socket = await webSocketTransport();
    const other = await webSocketTransport();
    try {
      const [top] = await socket.send('call', 'files.browse', {});
      // The picker's root first, then the registered library folders outside it.
      expect(top).toMatchObject({ ok: true, value: { path: home, crumbs: [{ path: home }], truncated: false } });
      expect(top.t === 'result' && top.ok && (top.value as { roots: { path: string }[] }).roots.map((r) => r.path).slice(0, 2)).toEqual([home, libraryDir]);
      // In a library folder too, the links leading out and the hidden file are not listed.
      expect((await socket.send('call', 'files.browse', { path: libraryDir, filter: 'all' }))[0]).toMatchObject({ ok: true, value: { crumbs: [{ path: libraryDir }], entries: [{ name: 'allowed.txt' }] } });
      // .secret.txt is hidden and outside-link leads out of the root: neither is listed.
      expect(top.t === 'result' && top.ok && (top.value as { entries: { name: string }[] }).entries.map((e) => e.name)).toEqual(['models', 'notes']);
      const [notes] = await socket.send('call', 'files.browse', { path: path.join(home, 'notes') });
      expect(notes).toMatchObject({ ok: true, value: { crumbs: [{ path: home }, { name: 'notes', path: path.join(home, 'notes') }], entries: [{ name: 'picked.txt', kind: 'file', sizeBytes: expect.any(Number) }] } });
      const [models] = await socket.send('call', 'files.browse', { path: path.join(home, 'models'), filter: 'models' });
      expect(models).toMatchObject({ ok: true, value: { entries: [{ name: 'model.gguf', kind: 'file' }] } });
      expect((await socket.send('call', 'files.browse', { path: path.join(home, 'models') }))[0]).toMatchObject({ ok: true, value: { entries: [] } });
      const picked = path.join(home, 'notes', 'picked.txt');
      // Before the pick, the file is not this connection's to add; after it, it is, and still not the other's.
      expect((await socket.send('call', 'library.addPaths', { paths: [picked] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      expect((await socket.send('call', 'files.grant', { paths: [picked, canary] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      expect((await socket.send('call', 'library.addPaths', { paths: [picked] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      expect((await socket.send('call', 'files.grant', { paths: [picked] }))[0]).toMatchObject({ ok: true, value: { paths: [picked] } });
      expect((await socket.send('call', 'library.addPaths', { paths: [picked] }))[0]).toMatchObject({ ok: true, value: { added: [{ path: picked, queued: true }] } });
      expect((await other.send('call', 'library.addPaths', { paths: [picked] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      // A folder picked there becomes a library folder only for the connection that picked it.
      const notesDir = path.join(home, 'notes');
      expect((await other.send('call', 'library.addFolder', { path: notesDir }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      expect((await socket.send('call', 'files.grant', { paths: [notesDir] }))[0]).toMatchObject({ ok: true });
      expect((await socket.send('call', 'library.addFolder', { path: picked }))[0]).toMatchObject({ ok: false, error: { code: 'not_a_folder' } });
      const [folder] = await socket.send('call', 'library.addFolder', { path: notesDir });
      expect(folder).toMatchObject({ ok: true, value: { folder: { path: notesDir }, missing: [] } });
      expect((await socket.send('call', 'library.removeFolder', { id: (folder as { value: { folder: { id: number } } }).value.folder.id }))[0]).toMatchObject({ ok: true, value: { removed: true } });
      // The Electron window and the local dispatcher have no picker: not_supported, whatever the path.
      expect((await dispatcherTransport({})('call', 'files.browse', { path: home }))[0]).toMatchObject({ ok: false, error: { code: 'not_supported' } });
      expect((await dispatcherTransport({})('call', 'files.choose', { select: 'files' }))[0]).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    } finally {
      socket.close();
      other.close();
    }
    await services.ingest.whenIdle();
  });

  it("browser mode's picker offers only the library folders unless the person starting it names a root", async () => {
    const plain = await startBrowserServer({ services, rendererDir: path.join(root, 'renderer') });
    const socket = await webSocketTransport(plain);
    try {
      const [top] = await socket.send('call', 'files.browse', {});
      const roots = top.t === 'result' && top.ok ? (top.value as { roots: { path: string }[] }).roots.map((r) => r.path) : [];
      // The library folders registered so far in this file, and nothing at or above the home stand-in.
      expect(roots).toContain(libraryDir);
      expect(roots.filter((r) => home === r || home.startsWith(r + path.sep))).toEqual([]);
      expect(roots).not.toContain(realpathSync(os.homedir())); // the real home folder is not offered by default
      // A token holder cannot walk into the home folder (or anywhere else) by naming it.
      expect((await socket.send('call', 'files.browse', { path: home }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
      expect((await socket.send('call', 'files.grant', { paths: [path.join(home, 'notes', 'picked.txt')] }))[0]).toMatchObject({ ok: false, error: { code: 'path_not_allowed' } });
    } finally {
      socket.close();
      await plain.close();
    }
  });

  it("the desktop app's open dialog grants what it returns to that window", async () => {
    let asked: unknown;
    const send = dispatcherTransport({
      chooseFiles: async (options) => {
        asked = options;
        return [grantedFile];
      },
    });
    expect((await send('call', 'files.choose', { select: 'files' }))[0]).toMatchObject({ ok: true, value: { paths: [grantedFile] } });
    expect(asked).toEqual({ select: 'files', filter: 'documents' });
  });

  it('the local API loads no model file from outside the library folders', async () => {
    const api = await startLocalApi({ services, port: 0, token: 'capabilities-test-token' });
    try {
      const response = await fetch(`http://127.0.0.1:${api.port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer capabilities-test-token', 'content-type': 'application/json' },
        body: JSON.stringify({ model: path.join(outside, 'canary.gguf'), messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = await response.text();
      expect(response.status).toBe(403);
      expect(body).toContain('path_not_allowed');
      expect(body.includes(CANARY)).toBe(false);
    } finally {
      await api.close();
    }
  });

  it('no byte of the canary comes back or lands in the data folder, through the dispatcher and the WebSocket server', async () => {
    const window = dispatcherTransport({ grantedPaths: new Set([grantedFile]) });
    expect((await window('call', 'library.addPaths', { paths: [grantedFile, libraryDir] }))[0]).toMatchObject({ ok: true });
    const windowReplies = await attack(window);
    const socket = await webSocketTransport();
    const socketReplies = await attack(socket.send);
    socket.close();
    await services.ingest.whenIdle();
    services.db.pragma('wal_checkpoint(PASSIVE)');

    const stored = dataFolderBytes();
    // The scan sees what was indexed, so a canary that got in would be seen too.
    expect(stored.includes(ALLOWED), 'the allowed file was indexed into the scanned files').toBe(true);
    for (const form of canaryForms) {
      expect(windowReplies.includes(form), `a reply to the window holds ${form}`).toBe(false);
      expect(socketReplies.includes(form), `a reply over the WebSocket holds ${form}`).toBe(false);
      expect(stored.includes(form), `the data folder holds ${form}`).toBe(false);
    }
    const documents = services.db.prepare('SELECT path FROM documents ORDER BY path').all() as { path: string }[];
    expect(documents.map((d) => d.path)).toEqual([path.join(libraryDir, 'allowed.txt'), path.join(root, 'picked', 'report.txt'), grantedFile, path.join(home, 'notes', 'picked.txt')].sort());
  });
});
