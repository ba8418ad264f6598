import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRetrieval } from '../../../src/main/retrieve/beir/evaluate';

// A four-document BEIR folder run through the real pipeline (Markdown file → parser → chunker → store → search).
describe('evaluateRetrieval', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lockstep-beir-'));
  const beir = path.join(root, 'tiny');
  mkdirSync(path.join(beir, 'qrels'), { recursive: true });
  const jsonl = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
  writeFileSync(
    path.join(beir, 'corpus.jsonl'),
    jsonl([
      { _id: 'd1', title: 'Vitamin D and fractures', text: 'Vitamin D supplementation lowers hip fracture risk in elderly women.' },
      { _id: 'd2', title: 'Ribosomes', text: 'The ribosome translates messenger RNA into protein.' },
      { _id: 'd3', title: 'Mitochondria', text: 'Mitochondria produce ATP, the energy currency of the cell.' },
      { _id: 'd4', title: 'Calcium', text: 'Calcium intake and bone density in older adults with fracture history.' },
    ]),
  );
  writeFileSync(
    path.join(beir, 'queries.jsonl'),
    jsonl([
      { _id: 'q1', text: 'Does vitamin D prevent hip fractures?' },
      { _id: 'q2', text: 'Which organelle makes ATP energy?' },
      { _id: 'q3', text: 'unjudged query' },
    ]),
  );
  writeFileSync(path.join(beir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td4\t1\nq2\td3\t1\n');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('indexes the corpus through ingestion and scores the judged queries', async () => {
    const report = await evaluateRetrieval({ beirDir: beir, split: 'test', mode: 'bm25', dataDir: path.join(root, 'data'), embedderId: 'Xenova/all-MiniLM-L6-v2', chunkTokens: 256 });
    expect(report).toMatchObject({ split: 'test', mode: 'bm25', embeddingModel: null, documents: 4, chunks: 4, queries: 2 });
    // q1: d1 first, d4 (fracture) second → nDCG 1; q2: d3 first → 1.
    expect(report.metrics).toEqual({ ndcgAt10: 1, recallAt10: 1, recallAt100: 1, mrrAt10: 1 });
    expect(report.latencyMs.p95).toBeGreaterThanOrEqual(report.latencyMs.p50);
  });

  it('explains what is wrong with a folder that is not BEIR', async () => {
    const options = { split: 'test', mode: 'bm25' as const, dataDir: root, embedderId: 'Xenova/all-MiniLM-L6-v2', chunkTokens: 256 };
    await expect(evaluateRetrieval({ ...options, beirDir: root })).rejects.toMatchObject({ code: 'beir_invalid', message: `${root} is not a BEIR folder: qrels/test.tsv is missing.` });
    await expect(evaluateRetrieval({ ...options, beirDir: beir, mode: 'hybrid' })).rejects.toMatchObject({ code: 'embedder_missing' });
  });
});
