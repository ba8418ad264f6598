import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services';
import { keywordSearch } from '../../../src/main/retrieve/keyword-search';
import { addDocument } from './library';

describe('keywordSearch', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-keyword-'));
  let services: Services;
  beforeAll(async () => {
    services = createServices({ dataDir, mode: 'test' });
    await addDocument(services, {
      title: 'notes',
      passages: [
        ...Array.from({ length: 8 }, (_, i) => ({ text: `Patients in study ${i} were treated and observed.` })),
        { text: 'Patients given calcitriol were treated for osteoporosis.' },
        { text: 'Calcitriol and osteoporosis in patients.', heading: 'Osteoporosis' },
      ],
    });
  });
  afterAll(async () => {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const texts = (hits: { chunkId: number }[]) =>
    hits.map((hit) => (services.db.prepare('SELECT text FROM chunks WHERE id = ?').get(hit.chunkId) as { text: string }).text);

  it('ranks by BM25 over every term by default in a small library, heading matches counting extra', () => {
    const hits = keywordSearch(services.db, 'patients treated with calcitriol for osteoporosis', { k: 20 });
    expect(hits).toHaveLength(10);
    expect(texts(hits).slice(0, 2).sort()).toEqual(['Calcitriol and osteoporosis in patients.', 'Patients given calcitriol were treated for osteoporosis.']);
    const headingHeavy = keywordSearch(services.db, 'patients treated with calcitriol for osteoporosis', { k: 2, headingWeight: 10 });
    expect(texts(headingHeavy)[0]).toBe('Calcitriol and osteoporosis in patients.');
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('leaves common terms out of the ranked query when asked, keeping the rarest if all are common', () => {
    const pruned = keywordSearch(services.db, 'patients treated with calcitriol', { k: 20, maxTermShare: 0.3 });
    expect(texts(pruned).sort()).toEqual(['Calcitriol and osteoporosis in patients.', 'Patients given calcitriol were treated for osteoporosis.']);
    const allCommon = keywordSearch(services.db, 'patients treated', { k: 20, maxTermShare: 0.3 });
    expect(allCommon).toHaveLength(10);
  });
});
