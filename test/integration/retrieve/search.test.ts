import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import { deleteVectorsForChunks } from '../../../src/main/embed/index';
import { search, routeWholeDocuments } from '../../../src/main/retrieve/index';
import { installTinyEmbedder } from '../../fixtures/embed/tiny-embedder';
import { addDocument } from './library';
import { searchHandlers } from '../../../src/main/handlers/search';
import { embeddingStatus, searchRequest, searchResult, type SearchHit } from '../../../src/shared/contract/search';

const passages = {
  fractures: 'Vitamin D supplementation reduces the risk of hip fractures in elderly women.',
  ribosome: 'The ribosome translates messenger RNA into a chain of amino acids.',
  mitochondria: 'Mitochondria produce most of the chemical energy that powers the cell.',
  chinese: '维生素D可以降低老年妇女髋部骨折的风险。',
};

describe('search', () => {
  let dataDir: string;
  let services: Services;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-search-'));
    services = createServices({ dataDir, mode: 'test' });
  });
  afterEach(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('without an embedder', () => {
    it('answers from BM25 alone, says so, and carries full provenance', async () => {
      await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome, page: 3, label: 'iii', heading: 'Cells › Protein' }, { text: passages.mitochondria, page: 4 }] });
      await addDocument(services, { title: 'medicine', path: '/docs/medicine.pdf', passages: [{ text: passages.fractures, page: 12, label: '10' }] });

      const result = await search(services, { query: 'what do ribosomes translate?', k: 5, mode: 'hybrid' });
      expect(result.mode).toBe('bm25');
      // One sentence per clause: the catalog name's own brackets are never nested inside others.
      expect(result.notice).toBe('No embedding model is installed, so search uses keywords only. Install all-MiniLM-L6-v2 (English, default) under Settings → Models for semantic search.');
      expect(result.noticeReason).toBe('no_embedder');
      expect(result.embeddingModel).toBeNull();
      expect(result.hits[0]).toMatchObject({
        text: passages.ribosome,
        document: { title: 'biology', path: '/docs/biology.txt', workspaceId: 1 },
        pages: { start: 3, end: 3, labelStart: 'iii', labelEnd: 'iii' },
        offsets: { start: 0, end: passages.ribosome.length },
        headingPath: 'Cells › Protein',
        signals: { bm25: { rank: 1 }, vector: null },
      });
      expect(result.hits[0].signals.bm25!.score).toBeGreaterThan(0);
      expect(result.hits.map((hit) => hit.text)).not.toContain(passages.fractures);
    });

    it('never passes FTS5 syntax through from the query', async () => {
      await addDocument(services, { title: 'medicine', passages: [{ text: passages.fractures }] });
      for (const query of ['"hip', 'hip*', 'NEAR(hip fractures)', 'body:hip', '-hip OR', '(((hip', 'hip" OR "x', '^hip AND NOT']) {
        const result = await search(services, { query, mode: 'bm25' });
        expect(result.hits.map((hit) => hit.text)).toEqual([passages.fractures]);
      }
      for (const query of ['?!…', '(((', '"*"']) expect((await search(services, { query, mode: 'bm25' })).hits).toEqual([]);
    });

    it('finds Chinese text with a Chinese query', async () => {
      await addDocument(services, { title: 'zh', passages: [{ text: passages.chinese }, { text: passages.fractures }] });
      const result = await search(services, { query: '髋部骨折', mode: 'bm25' });
      expect(result.hits[0].text).toBe(passages.chinese);
    });

    it('filters by workspace and by documents', async () => {
      const other = Number(services.db.prepare(`INSERT INTO workspaces (name, created_at) VALUES ('Other', 0)`).run().lastInsertRowid);
      const a = await addDocument(services, { title: 'a', passages: [{ text: 'fractures of the hip in the first document' }] });
      await addDocument(services, { title: 'b', passages: [{ text: 'fractures of the hip in the second document' }] });
      await addDocument(services, { title: 'c', workspaceId: other, passages: [{ text: 'fractures of the hip in another workspace' }] });

      const inOther = await search(services, { query: 'hip fractures', mode: 'bm25', workspaceId: other });
      expect(inOther.hits.map((hit) => hit.document.title)).toEqual(['c']);
      const inA = await search(services, { query: 'hip fractures', mode: 'bm25', documentIds: [a.documentId] });
      expect(inA.hits.map((hit) => hit.document.title)).toEqual(['a']);
      const all = await search(services, { query: 'hip fractures', mode: 'bm25' });
      expect(all.hits.map((hit) => hit.document.title).sort()).toEqual(['a', 'b', 'c']);
    });

    it('rejects an empty query with a sentence the user can act on', async () => {
      await expect(search(services, { query: '   ' })).rejects.toMatchObject({ code: 'invalid_search', message: 'Type something to search for.' });
    });
  });

  describe('with an embedder', () => {
    beforeEach(() => {
      installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 11);
    });

    it('fuses BM25 and vector candidates and reports each signal', async () => {
      await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome }, { text: passages.mitochondria }] });
      await addDocument(services, { title: 'medicine', passages: [{ text: passages.fractures }] });

      const result = await search(services, { query: 'ribosome translates messenger RNA', k: 3, mode: 'hybrid', lambda: 1 });
      expect(result).toMatchObject({ mode: 'hybrid', notice: null, embeddingModel: 'Xenova/all-MiniLM-L6-v2' });
      expect(result.hits[0].text).toBe(passages.ribosome);
      expect(result.hits[0].signals.bm25).toMatchObject({ rank: 1 });
      expect(result.hits[0].signals.vector).toMatchObject({ rank: 1 });
      expect(result.hits[0].signals.vector!.similarity).toBeGreaterThan(result.hits[1].signals.vector!.similarity);

      // Vector search alone ranks by shared tokens (the test model is a bag of tokens) even with no exact keyword match.
      const vectorOnly = await search(services, { query: 'energy which powers cells, produced by mitochondria', k: 3, mode: 'vector', lambda: 1 });
      expect(vectorOnly.mode).toBe('vector');
      expect(vectorOnly.hits[0].text).toBe(passages.mitochondria);
      expect(vectorOnly.hits.every((hit) => hit.signals.bm25 === null)).toBe(true);
    });

    it('weights the vector list in the fusion as asked, else as the setting says', async () => {
      await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome }, { text: passages.mitochondria }, { text: passages.fractures }] });
      const fusedScore = (hit: SearchHit, vectorWeight: number) =>
        (hit.signals.bm25 ? 1 / (60 + hit.signals.bm25.rank) : 0) + (hit.signals.vector ? vectorWeight / (60 + hit.signals.vector.rank) : 0);
      const keywordsOnly = await search(services, { query: 'ribosome energy', k: 3, lambda: 1, vectorWeight: 0 });
      for (const hit of keywordsOnly.hits) expect(hit.score).toBeCloseTo(fusedScore(hit, 0), 12);
      services.settings.update({ vectorSearchWeight: 3 });
      const vectorHeavy = await search(services, { query: 'ribosome energy', k: 3, lambda: 1 });
      expect(vectorHeavy.hits.some((hit) => hit.signals.vector)).toBe(true);
      for (const hit of vectorHeavy.hits) expect(hit.score).toBeCloseTo(fusedScore(hit, 3), 12);
    });

    it('stops when the caller cancels, without an unhandled rejection', async () => {
      await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome }] });
      const abort = new AbortController();
      abort.abort();
      await expect(search(services, { query: 'ribosome', mode: 'hybrid' }, { signal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('drops deleted chunks from the vector index', async () => {
      const { chunkIds } = await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome }, { text: passages.mitochondria }] });
      services.db.transaction(() => {
        deleteVectorsForChunks(services.db, [chunkIds[0]]);
        services.db.prepare('DELETE FROM chunks_fts WHERE rowid = ?').run(chunkIds[0]);
        services.db.prepare('DELETE FROM chunks WHERE id = ?').run(chunkIds[0]);
      })();
      const result = await search(services, { query: passages.ribosome, mode: 'vector' });
      expect(result.hits.map((hit) => hit.chunkId)).toEqual([chunkIds[1]]);
      expect((await services.embeddings.status()).searchable).toMatchObject({ chunkCount: 1 });
    });

    it('MMR keeps a near-duplicate passage from crowding out other evidence', async () => {
      const duplicate = passages.fractures.replace('elderly', 'older');
      await addDocument(services, { title: 'a', passages: [{ text: passages.fractures }, { text: duplicate }, { text: 'Hip protectors did not reduce fractures in a nursing home trial.' }] });
      const plain = await search(services, { query: 'vitamin D hip fractures elderly women risk', k: 2, mode: 'hybrid', lambda: 1 });
      expect(plain.hits.map((hit) => hit.text)).toEqual([passages.fractures, duplicate]);
      const varied = await search(services, { query: 'vitamin D hip fractures elderly women risk', k: 2, mode: 'hybrid', lambda: 0.5 });
      expect(varied.hits[0].text).toBe(passages.fractures);
      expect(varied.hits[1].text).toMatch(/Hip protectors/);
    });
  });

  it('answers through the IPC handlers with values the contract accepts', async () => {
    await addDocument(services, { title: 'biology', passages: [{ text: passages.ribosome, page: 2 }] });
    const handlers = searchHandlers(services);
    const ctx = { signal: new AbortController().signal, transport: 'test' };
    const result = await handlers.query(searchRequest.parse({ query: 'ribosome' }), ctx);
    expect(searchResult.parse(result)).toEqual(result);
    expect(result.hits[0].pages.start).toBe(2);
    const status = await handlers.embeddingStatus({}, ctx);
    expect(embeddingStatus.parse(status)).toMatchObject({ searchable: null, target: null, reembed: null, suggestedModelId: null });
    await addDocument(services, { title: 'zh1', passages: [{ text: passages.chinese }] });
    await addDocument(services, { title: 'zh2', passages: [{ text: '线粒体为细胞提供能量。' }] });
    expect((await handlers.embeddingStatus({}, ctx)).suggestedModelId).toBe('Xenova/multilingual-e5-small');
    const abort = new AbortController();
    const events: unknown[] = [];
    const watching = handlers.watchEmbeddingStatus({}, (event) => events.push(event), { signal: abort.signal, transport: 'test' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    await watching;
    expect(events).toHaveLength(1);
    expect(embeddingStatus.parse(events[0])).toMatchObject({ searchable: null, suggestedModelId: 'Xenova/multilingual-e5-small' });
  });

  it('routes whole documents when they fit the budget, in the order asked', async () => {
    const a = await addDocument(services, { title: 'a', passages: [{ text: 'first page text', page: 1 }, { text: 'second page text', page: 2 }] });
    const b = await addDocument(services, { title: 'b', passages: [{ text: 'only page of b' }] });
    const routed = routeWholeDocuments(services, { documentIds: [b.documentId, a.documentId], budgetTokens: 100 });
    expect(routed?.tokens).toBe(10);
    expect(routed?.documents.map((doc) => [doc.title, doc.pages.map((p) => [p.pageNumber, p.text])])).toEqual([
      ['b', [[1, 'only page of b']]],
      ['a', [[1, 'first page text'], [2, 'second page text']]],
    ]);
    expect(routeWholeDocuments(services, { documentIds: [a.documentId, b.documentId], budgetTokens: 9 })).toBeNull();
    expect(routeWholeDocuments(services, { documentIds: [a.documentId, 9999], budgetTokens: 100 })).toBeNull();
  });
});
