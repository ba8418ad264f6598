import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import { search } from '../../../src/main/retrieve/index';
import { workspaceHandlers } from '../../../src/main/handlers/workspaces';
import { workspaces as workspacesContract } from '../../../src/shared/contract/workspaces';
import { installTinyEmbedder } from '../../fixtures/embed/tiny-embedder';
import { addDocument } from './library';

const sentences = [
  'Vitamin D supplementation reduces the risk of hip fractures in elderly women.',
  'The ribosome translates messenger RNA into a chain of amino acids.',
  'Mitochondria produce most of the chemical energy that powers the cell.',
  'Insulin resistance precedes type 2 diabetes by several years.',
  'Telomeres shorten with every division of a somatic cell.',
  'Statins lower LDL cholesterol by inhibiting HMG-CoA reductase.',
];

// The real hybrid search through services, over a workspace moved to cold and back: same passages, same order.
describe('search over hot and cold workspaces', () => {
  let dataDir: string;
  let services: Services;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-tiers-search-'));
    services = createServices({ dataDir, mode: 'test' });
    installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 11);
  });
  afterEach(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the same searches once the workspace is cold, and says so through the IPC handlers', async () => {
    const handlers = workspaceHandlers(services);
    const ctx = { signal: new AbortController().signal, transport: 'test' };
    const archive = (await handlers.create({ name: 'Archive' }, ctx)).id;
    for (let doc = 0; doc < 4; doc++) {
      const passages = sentences.map((text, i) => ({ text: `${text} (study ${doc}-${i})`, page: i + 1 }));
      await addDocument(services, { title: `archive-${doc}`, workspaceId: archive, passages });
    }
    await addDocument(services, { title: 'notes', passages: [{ text: sentences[0] }] });
    const queries = ['hip fractures in elderly women', 'what does the ribosome translate', 'statins and cholesterol'];
    const run = async (mode: 'vector' | 'hybrid') =>
      Promise.all(queries.map(async (query) => (await search(services, { query, mode, k: 5, workspaceId: archive })).hits.map((hit) => hit.chunkId)));
    const hotVector = await run('vector');
    const hotHybrid = await run('hybrid');
    expect(hotVector.every((ids) => ids.length === 5)).toBe(true);

    const pinned = workspacesContract.setTier.response.parse(await handlers.setTier({ id: archive, pin: 'cold' }, ctx));
    expect(pinned).toMatchObject({ pin: 'cold', tier: 'cold' });
    await services.tiers.whenIdle();
    const listed = workspacesContract.tiers.response.parse(await handlers.tiers({}, ctx));
    expect(listed.workspaces.find((w) => w.workspaceId === archive)).toMatchObject({ tier: 'cold', hotChunks: 0, coldChunks: 24, residentBytes: 0, move: null });
    expect(listed.workspaces.find((w) => w.workspaceId === 1)).toMatchObject({ tier: 'hot', coldChunks: 0 });
    expect(services.tiers.tierOf(archive)).toBe('cold');

    expect(await run('vector')).toEqual(hotVector);
    expect(await run('hybrid')).toEqual(hotHybrid);
    expect(await handlers.cancelTierMove({ id: archive }, ctx)).toEqual({ cancelled: false });
  });
});
