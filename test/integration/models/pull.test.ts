import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import type { ChatEntry, EmbedderEntry } from '../../../src/main/models/catalog';
import { readManifest } from '../../../src/main/models/manifest';
import type { DownloadProgress } from '../../../src/main/models/progress';
import { installDir, pullModel, stagingDir } from '../../../src/main/models/pull';
import { ConnectProxy, HubServer, selfSignedCertificate, sha256 } from './hub-server';

// Pulls run against a local server that behaves like huggingface.co (redirects, X-Linked-ETag, Range, If-Range).

const REV = '0123456789abcdef0123456789abcdef01234567';
const noProxy = { proxyEnv: {} };

function chatEntry(content: Buffer, overrides: Partial<ChatEntry> = {}): ChatEntry {
  return {
    id: 'tiny-chat-q8_0',
    kind: 'chat',
    name: 'Tiny chat',
    repo: 'test-org/tiny-chat-GGUF',
    revision: REV,
    files: [{ path: 'tiny-chat-q8_0.gguf', size: content.length, sha256: sha256(content) }],
    licence: 'mit',
    memoryBytes: 1e6,
    downloadBytes: content.length,
    format: 'gguf',
    architecture: 'llama',
    quantization: 'Q8_0',
    contextLength: 512,
    ...overrides,
  };
}

async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe('pullModel against a hub-like server', () => {
  let hub: HubServer;
  let modelsDir: string;

  beforeEach(async () => {
    hub = new HubServer();
    await hub.start();
    modelsDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-models-'));
  });

  afterEach(async () => {
    await hub.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('follows the redirect, verifies each file against the hub checksums when the catalog has none, and installs with a manifest', async () => {
    const onnx = randomBytes(300_000);
    const config = Buffer.from('{"model_type":"bert","hidden_size":384}');
    hub.host('test-org/tiny-embed', 'main', 'onnx/model_quantized.onnx', { content: onnx, lfs: true });
    hub.host('test-org/tiny-embed', 'main', 'config.json', { content: config, lfs: false });
    const entry: EmbedderEntry = {
      id: 'test-org/tiny-embed',
      kind: 'embedding',
      name: 'Tiny embedder',
      repo: 'test-org/tiny-embed',
      revision: 'main',
      files: [
        { path: 'config.json', size: null, sha256: null },
        { path: 'onnx/model_quantized.onnx', size: null, sha256: null },
      ],
      licence: 'mit',
      memoryBytes: 1e6,
      downloadBytes: 0,
      dimension: 384,
      pooling: 'mean',
      normalize: true,
      queryPrefix: '',
      passagePrefix: '',
      maxTokens: 128,
      dtype: 'q8',
    };
    const events: DownloadProgress[] = [];
    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy, onProgress: (p) => events.push(p) });

    const dir = installDir(modelsDir, entry.id);
    expect(installed.dir).toBe(dir);
    expect(readFileSync(path.join(dir, 'onnx/model_quantized.onnx')).equals(onnx)).toBe(true);
    expect(readFileSync(path.join(dir, 'config.json')).equals(config)).toBe(true);
    const manifest = await readManifest(dir);
    expect(manifest).toMatchObject({ id: entry.id, kind: 'embedding', format: 'transformers-js', source: 'catalog', entry: '.' });
    expect(manifest?.files).toEqual([
      { path: 'config.json', size: config.length, sha256: sha256(config) },
      { path: 'onnx/model_quantized.onnx', size: onnx.length, sha256: sha256(onnx) },
    ]);
    // The LFS file went through the redirect to the CDN; the git file was served directly.
    expect(hub.requests.map((r) => r.path)).toEqual([
      '/test-org/tiny-embed/resolve/main/config.json',
      '/test-org/tiny-embed/resolve/main/onnx/model_quantized.onnx',
      '/cdn/test-org/tiny-embed/resolve/main/onnx/model_quantized.onnx',
    ]);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ phase: 'done', bytesDone: onnx.length + config.length, bytesTotal: onnx.length + config.length, fileCount: 2 });
    for (let i = 1; i < events.length; i++) expect(events[i].bytesDone).toBeGreaterThanOrEqual(events[i - 1].bytesDone);
    expect(existsSync(stagingDir(modelsDir, entry.id))).toBe(false);

    // Pulling an installed model is a no-op that touches no network.
    const requestsBefore = hub.requests.length;
    await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy });
    expect(hub.requests.length).toBe(requestsBefore);
  });

  it('resumes with a Range request after the connection drops mid-transfer, and verifies the whole file', async () => {
    const content = randomBytes(1_000_000);
    const entry = chatEntry(content);
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.disconnectAfter = { [entry.files[0].path]: 400_000 };

    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy, retryDelayMs: 10 });

    const file = path.join(installed.dir, entry.files[0].path);
    expect(readFileSync(file).equals(content)).toBe(true);
    const cdnRequests = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
    expect(cdnRequests).toHaveLength(2);
    expect(cdnRequests[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdnRequests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    expect(cdnRequests[1].ifRange).toBe(`"${sha256(content)}"`);
    expect(installed.files[0].sha256).toBe(sha256(content));
  });

  it('rejects a file whose sha256 differs from the catalog: nothing installed, the partial file removed', async () => {
    const content = randomBytes(200_000);
    const entry = chatEntry(content, { files: [{ path: 'tiny-chat-q8_0.gguf', size: content.length, sha256: sha256(Buffer.from('something else')) }] });
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });

    const error = await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'checksum_mismatch');
    expect(error.message).toContain('tiny-chat-q8_0.gguf failed verification');
    expect(error.message).toContain(sha256(content));
    expect(existsSync(installDir(modelsDir, entry.id))).toBe(false);
    const staging = stagingDir(modelsDir, entry.id);
    expect(existsSync(path.join(staging, 'tiny-chat-q8_0.gguf.partial'))).toBe(false);
    expect(existsSync(path.join(staging, 'tiny-chat-q8_0.gguf'))).toBe(false);
  });

  it('keeps the partial file on cancel and resumes from it on the next pull', async () => {
    const content = randomBytes(2_000_000);
    const entry = chatEntry(content);
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.chunkDelayMs = 5;

    const controller = new AbortController();
    const first = pullModel(entry, {
      modelsDir,
      hubBase: hub.url,
      http: noProxy,
      signal: controller.signal,
      onProgress: (p) => p.bytesDone > 100_000 && controller.abort(),
    });
    await expectAppError(first, 'cancelled');
    const partial = path.join(stagingDir(modelsDir, entry.id), 'tiny-chat-q8_0.gguf.partial');
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(content.length);
    expect(existsSync(installDir(modelsDir, entry.id))).toBe(false);

    hub.behaviour.chunkDelayMs = 0;
    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy });
    expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(content)).toBe(true);
    const lastCdn = hub.requests.filter((r) => r.path.startsWith('/cdn/')).at(-1);
    expect(lastCdn?.range).toBe(`bytes=${kept}-`);
  });

  it('starts over when the server answers a Range request with the whole file (200)', async () => {
    const content = randomBytes(600_000);
    const entry = chatEntry(content);
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.disconnectAfter = { [entry.files[0].path]: 250_000 };
    hub.behaviour.ignoreRange = true;

    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy, retryDelayMs: 10 });

    expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(content)).toBe(true);
    const cdnRequests = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
    expect(cdnRequests).toHaveLength(2);
    expect(cdnRequests[1].range).toMatch(/^bytes=\d+-$/);
  });

  it('discards the partial file when the file changed upstream (If-Range no longer matches)', async () => {
    const oldContent = randomBytes(2_000_000);
    const newContent = randomBytes(2_000_000);
    const entry = chatEntry(oldContent, { files: [{ path: 'tiny-chat-q8_0.gguf', size: null, sha256: null }], downloadBytes: 2_000_000 });
    hub.host(entry.repo, REV, entry.files[0].path, { content: oldContent, lfs: true });
    hub.behaviour.chunkDelayMs = 5;
    const controller = new AbortController();
    await expectAppError(
      pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy, signal: controller.signal, onProgress: (p) => p.bytesDone > 50_000 && controller.abort() }),
      'cancelled',
    );

    hub.behaviour.chunkDelayMs = 0;
    hub.host(entry.repo, REV, entry.files[0].path, { content: newContent, lfs: true });
    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy });

    expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(newContent)).toBe(true);
    expect(installed.files[0].sha256).toBe(sha256(newContent));
    expect(hub.requests.filter((r) => r.path.startsWith('/cdn/')).at(-1)?.ifRange).toBe(`"${sha256(oldContent)}"`);
  });

  it('refuses to start when the disk cannot hold the model, before writing anything', async () => {
    const content = randomBytes(1000);
    const huge = 1e15;
    const entry = chatEntry(content, { files: [{ path: 'tiny-chat-q8_0.gguf', size: huge, sha256: sha256(content) }], downloadBytes: huge });
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });

    const error = await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'disk_full');
    expect(error.message).toMatch(/Not enough disk space for Tiny chat: it needs 1000\.0 TB more/);
    expect(hub.requests).toHaveLength(0);
    expect(existsSync(path.join(stagingDir(modelsDir, entry.id), 'tiny-chat-q8_0.gguf.partial'))).toBe(false);
  });

  it('checks free space again when only the server knows the size', async () => {
    const content = randomBytes(1000);
    const entry = chatEntry(content, { files: [{ path: 'tiny-chat-q8_0.gguf', size: null, sha256: null }], downloadBytes: 0 });
    // The server claims a petabyte: the pull must stop at the headers.
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.announcedLength = 1e15;

    await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'disk_full');
    expect(existsSync(installDir(modelsDir, entry.id))).toBe(false);
  });

  it('rejects a download whose size differs from the catalog', async () => {
    const content = randomBytes(5000);
    const entry = chatEntry(content, { files: [{ path: 'tiny-chat-q8_0.gguf', size: 4000, sha256: sha256(content) }] });
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });

    await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'download_size_mismatch');
    expect(existsSync(installDir(modelsDir, entry.id))).toBe(false);
  });

  it('refuses to install a file that nothing can verify', async () => {
    const content = randomBytes(5000);
    const entry = chatEntry(content, { files: [{ path: 'tiny-chat-q8_0.gguf', size: null, sha256: null }] });
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.withoutChecksums = true;

    await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'download_unverifiable');
    expect(existsSync(installDir(modelsDir, entry.id))).toBe(false);
  });

  it('retries when the server is briefly unavailable, and gives up with a clear message when it stays down', async () => {
    const content = randomBytes(50_000);
    const entry = chatEntry(content);
    hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
    hub.behaviour.unavailableFor = 2;
    const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy, retryDelayMs: 5 });
    expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(content)).toBe(true);

    hub.behaviour.unavailableFor = 100;
    const other = chatEntry(content, { id: 'tiny-chat-down' });
    const error = await expectAppError(pullModel(other, { modelsDir, hubBase: hub.url, http: noProxy, retryDelayMs: 5 }), 'download_interrupted');
    expect(error.message).toBe('The download of tiny-chat-q8_0.gguf keeps failing (the server answered HTTP 503). Check your connection and pull again: it resumes where it stopped.');
  });

  it('reports a missing file as such', async () => {
    const entry = chatEntry(randomBytes(10));
    await expectAppError(pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }), 'download_not_found');
  });

  it('goes through the proxy named by HTTP_PROXY, and bypasses it for NO_PROXY hosts', async () => {
    const proxy = new ConnectProxy();
    const proxyUrl = await proxy.start();
    try {
      const content = randomBytes(100_000);
      const entry = chatEntry(content);
      hub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });
      const installed = await pullModel(entry, { modelsDir, hubBase: hub.url, http: { proxyEnv: { HTTP_PROXY: proxyUrl } } });
      expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(content)).toBe(true);
      // One tunnel for the hub's redirect and one for the CDN.
      expect(proxy.tunnels).toEqual([`127.0.0.1:${hub.port}`, `127.0.0.1:${hub.port}`]);

      const other = chatEntry(content, { id: 'tiny-chat-copy' });
      await pullModel(other, { modelsDir, hubBase: hub.url, http: { proxyEnv: { HTTP_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1' } } });
      expect(proxy.tunnels).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });

  it('speaks TLS through the proxy tunnel to an https hub, and refuses a certificate it cannot verify', async () => {
    const certificate = selfSignedCertificate(modelsDir);
    const secureHub = new HubServer({ tls: certificate });
    const proxy = new ConnectProxy();
    const proxyUrl = await proxy.start();
    try {
      await secureHub.start();
      const content = randomBytes(300_000);
      const entry = chatEntry(content);
      secureHub.host(entry.repo, REV, entry.files[0].path, { content, lfs: true });

      const error = await expectAppError(pullModel(entry, { modelsDir, hubBase: secureHub.url, http: noProxy }), 'download_untrusted');
      expect(error.message).toMatch(/^Could not verify the identity of 127\.0\.0\.1 \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);

      const installed = await pullModel(entry, { modelsDir, hubBase: secureHub.url, http: { proxyEnv: { HTTPS_PROXY: proxyUrl }, ca: certificate.cert } });
      expect(readFileSync(path.join(installed.dir, 'tiny-chat-q8_0.gguf')).equals(content)).toBe(true);
      expect(proxy.tunnels).toEqual([`127.0.0.1:${secureHub.port}`, `127.0.0.1:${secureHub.port}`]);
    } finally {
      await proxy.stop();
      await secureHub.stop();
    }
  });
});
