import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listVectorSets, vectorsOfChunks } from '../../../src/main/embed/vector-store';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { createServices, type Services } from '../../../src/main/services';
import { installTinyEmbedder, TOKENIZER_DIR } from '../../fixtures/embed/tiny-embedder';
import { noOrphans, orphanCounts, tempDataDir } from './helpers';

// With an embedder installed, ingestion budgets chunks in its tokenizer and writes vectors with the chunk rows.

let data: ReturnType<typeof tempDataDir>;
let services: Services;
beforeEach(() => {
  process.env.LOCKSTEP_LOG = 'silent';
  data = tempDataDir('lockstep-ingest-embed-');
  const dataDir = path.join(data.dir, 'data');
  installTinyEmbedder(path.join(dataDir, 'models'), 'Xenova/all-MiniLM-L6-v2', 5);
  services = createServices({ dataDir, mode: 'test' });
});
afterEach(async () => {
  await services.close();
  data.cleanup();
});

describe('ingestion with an installed embedder', () => {
  it('writes one vector per chunk in the same transaction and deletes them with the document', async () => {
    const file = path.join(data.dir, 'guide.md');
    const sections = Array.from({ length: 6 }, (_, i) => `## Section ${i}\n\n${'Trace trees record hot loops and compile them. '.repeat(20)}`);
    writeFileSync(file, `# Guide\n\n${sections.join('\n\n')}\n`);
    const stages = new Set<string>();
    services.ingest.onEvent((e) => e.type === 'progress' && stages.add(e.progress.stage));
    const { added } = await services.ingest.addPaths([file]);
    await services.ingest.whenIdle();
    await services.embeddings.whenIdle();
    const documentId = added[0].documentId;
    expect(services.ingest.document(documentId).status).toBe('indexed');
    expect([...stages]).toEqual(['reading', 'parsing', 'chunking', 'embedding', 'writing']);

    const chunks = services.db.prepare('SELECT id, text, token_count AS tokens FROM chunks WHERE document_id = ?').all(documentId) as { id: number; text: string; tokens: number }[];
    expect(chunks.length).toBeGreaterThanOrEqual(6);
    const counter = await loadTokenCounter(TOKENIZER_DIR);
    for (const chunk of chunks) expect(chunk.tokens).toBe(counter.count(chunk.text)); // the embedder's own tokenizer

    const [set] = listVectorSets(services.db);
    expect(set).toMatchObject({ modelId: 'Xenova/all-MiniLM-L6-v2', dimension: 384 });
    const ids = chunks.map((c) => c.id);
    expect(vectorsOfChunks(services.db, set, ids).size).toBe(chunks.length);

    services.ingest.remove([documentId]);
    expect(vectorsOfChunks(services.db, set, ids).size).toBe(0);
    expect(orphanCounts(services.db)).toEqual(noOrphans);
  });
});
