import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { defaultSettings } from '../../../src/shared/settings';
import { requireCatalogEntry, RERANKER_ID, type RerankerEntry } from '../../../src/main/models/catalog';
import { readManifest } from '../../../src/main/models/manifest';
import { installDir, pullModel } from '../../../src/main/models/pull';
import { RerankerChoice } from '../../../src/main/retrieve/reranker';
import { installTinyCrossEncoder } from '../../fixtures/embed/tiny-cross-encoder';
import { HubServer, sha256 } from './hub-server';

// The catalog's reranker pulled from a local server laid out like huggingface.co at the pinned revision. The real
// weights are not here: the server holds a tiny random-weight cross-encoder under the same paths, so the pull is checked
// twice, once with the catalog's real pins (every file refused) and once with pins of the served files (installed, then
// loaded by the rerank stage).
const noProxy = { proxyEnv: {} };

describe('pulling the catalog reranker', () => {
  let hub: HubServer;
  let root: string;
  let served: Map<string, Buffer>;
  const entry = requireCatalogEntry(RERANKER_ID) as RerankerEntry;

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lockstep-pull-reranker-'));
    const { folder } = installTinyCrossEncoder(path.join(root, 'source'), RERANKER_ID, 5);
    served = new Map(entry.files.map((file) => [file.path, readFileSync(path.join(folder, file.path))]));
    hub = new HubServer();
    await hub.start();
    for (const [file, content] of served) hub.host(entry.repo, entry.revision, file, { content, lfs: file.endsWith('.onnx') });
  });

  afterEach(async () => {
    await hub.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses files that differ from the pinned sha256, at the pinned revision, and installs nothing', async () => {
    const modelsDir = path.join(root, 'models');
    // The catalog's sizes are exact, so fake files are caught before their hash is: serve them at the pinned sizes.
    for (const file of entry.files) hub.host(entry.repo, entry.revision, file.path, { content: Buffer.alloc(file.size!, 0x20), lfs: file.path.endsWith('.onnx') });
    const error = await pullModel(entry, { modelsDir, hubBase: hub.url, http: noProxy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('checksum_mismatch');
    expect(hub.requests[0].path).toBe(`/${entry.repo}/resolve/a09144355adeed5f58c8ed011d209bf8ee5a1fec/config.json`);
    expect(readdirSync(modelsDir).filter((name) => !name.startsWith('.'))).toEqual([]);
  });

  it('installs the entry as a reranker folder that the rerank stage then loads and scores with', async () => {
    const modelsDir = path.join(root, 'data', 'models');
    const pinned: RerankerEntry = { ...entry, files: entry.files.map((file) => ({ ...file, size: served.get(file.path)!.length, sha256: sha256(served.get(file.path)!) })) };
    const installed = await pullModel(pinned, { modelsDir, hubBase: hub.url, http: noProxy });
    expect(installed.dir).toBe(installDir(modelsDir, RERANKER_ID));
    expect(await readManifest(installed.dir)).toMatchObject({ id: RERANKER_ID, kind: 'reranker', format: 'transformers-js', source: 'catalog', entry: '.', licence: 'apache-2.0' });

    const choice = new RerankerChoice({ dataDir: path.join(root, 'data'), settings: { get: () => defaultSettings }, env: {} });
    try {
      const scorer = await choice.current();
      expect(scorer?.name).toBe(RERANKER_ID);
      const scores = await scorer!.score('cash flow statement', ['Consolidated statements of cash flows', 'Risk factors']);
      expect(scores).toHaveLength(2);
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(scores[0]).not.toBe(scores[1]);
    } finally {
      await choice.close();
    }
  });
});
