import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src/shared/contract/library';
import { IngestQueue, type EmbeddingStage } from '../../../src/main/ingest/queue';
import { openStore, type Db } from '../../../src/main/store/db';
import { tempDataDir } from './helpers';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { drawScan, imageOnlyPdf } from '../../fixtures/ingest/scanned';

// Each file's progress names its stage (parsing → OCR → chunking → embedding) with a determinate fraction: stages only
// move forward, and within a stage the fraction only grows, up to 1. The queue runs its real parser worker and OCR pool;
// the embedder is a stand-in that embeds in batches of three, as the real one does in batches of sixteen.

const ORDER: JobProgress['stage'][] = ['queued', 'reading', 'parsing', 'ocr', 'chunking', 'embedding', 'writing'];

let data: ReturnType<typeof tempDataDir> | undefined;
let db: Db | undefined;
let queue: IngestQueue | undefined;
afterEach(async () => {
  await queue?.close();
  db?.close();
  data?.cleanup();
});

const batchedEmbedder: EmbeddingStage = {
  modelId: 'stand-in',
  async embedPassages(texts, signal, onProgress) {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += 3) {
      signal?.throwIfAborted();
      vectors.push(...texts.slice(start, start + 3).map(() => new Float32Array(4)));
      onProgress?.(vectors.length, texts.length);
    }
    return vectors;
  },
  writeVectors: () => undefined,
};

/** The stages a file went through, in the order first reported, and each stage's fractions as reported. */
function stagesOf(reports: JobProgress[]): { stages: JobProgress['stage'][]; fractions: Map<JobProgress['stage'], number[]> } {
  const fractions = new Map<JobProgress['stage'], number[]>();
  for (const report of reports) fractions.set(report.stage, [...(fractions.get(report.stage) ?? []), report.fraction]);
  return { stages: [...new Set(reports.map((r) => r.stage))], fractions };
}

describe('per-file stage progress', () => {
  it('reports parsing, OCR for scanned pages, chunking and embedding in order, each with a fraction that only grows to 1', async () => {
    process.env.LOCKSTEP_LOG = 'silent';
    data = tempDataDir('lockstep-stage-progress-');
    db = openStore(data.dir);
    queue = new IngestQueue({ db, chunkTokens: () => 128, tokenizerFolder: async () => null, ocrLanguages: () => ['eng'], embedding: async () => batchedEmbedder });
    const reports = new Map<number, JobProgress[]>();
    queue.onEvent((event) => event.type === 'progress' && reports.set(event.progress.documentId, [...(reports.get(event.progress.documentId) ?? []), event.progress]));

    const typed = path.join(data.dir, 'survey.pdf');
    writeFileSync(typed, generateTextPdf(6, 40, (page, line) => `Survey page ${page}, line ${line}: the gauge at station ${line} read ${page * line} millimetres.`));
    const scanned = path.join(data.dir, 'letters.pdf');
    const scans = [drawScan(['The lighthouse keeper wrote every evening.', 'Storms closed the harbour for three days.'], { format: 'jpeg' }), drawScan(['The supply boat returned in April.'], { format: 'jpeg' })];
    writeFileSync(scanned, imageOnlyPdf([{ typed: 'Typed cover page of the letters.' }, ...scans]));
    const { added } = await queue.addPaths([typed, scanned]);
    await queue.whenIdle();
    const [typedDoc, scannedDoc] = added.map((a) => queue!.document(a.documentId));
    expect(typedDoc).toMatchObject({ status: 'indexed', ocr: false });
    expect(scannedDoc).toMatchObject({ status: 'indexed', ocr: true });

    for (const [doc, expected] of [
      [typedDoc!, ['reading', 'parsing', 'chunking', 'embedding', 'writing']],
      [scannedDoc!, ['reading', 'parsing', 'ocr', 'chunking', 'embedding', 'writing']],
    ] as const) {
      const { stages, fractions } = stagesOf(reports.get(doc.id)!);
      expect(stages, doc.path).toEqual(expected);
      // Stages never go back: each report's stage is at or after the previous one's.
      const ranks = reports.get(doc.id)!.map((r) => ORDER.indexOf(r.stage));
      expect(ranks.every((rank, i) => i === 0 || rank >= ranks[i - 1]!)).toBe(true);
      for (const [stage, values] of fractions) {
        expect(values.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= values[i - 1]!)), `${stage}: ${values.join(' ')}`).toBe(true);
        // Parsing is finished by OCR when a scanned page takes over (OCR's fraction counts every page, typed or not).
        const finishes = stage === 'ocr' || stage === 'chunking' || stage === 'embedding' || (stage === 'parsing' && !(expected as readonly string[]).includes('ocr'));
        if (finishes) expect(values.at(-1), `${path.basename(doc.path)} ${stage}`).toBe(1);
      }
      // Embedding is determinate: one report per batch of three passages, after the stage opened at 0.
      const embedding = fractions.get('embedding')!;
      expect(embedding[0]).toBe(0);
      expect(embedding.length).toBe(1 + Math.ceil(doc.chunkCount / 3));
    }
    // The typed PDF's parsing counted its pages one by one.
    expect(new Set(fractions(reports.get(typedDoc!.id)!, 'parsing')).size).toBeGreaterThanOrEqual(6);
    // Every report of a running file says it will be embedded, so its row lists an Embed step.
    expect([...reports.values()].flat().every((r) => r.willEmbed === true)).toBe(true);
  }, 120_000);

  it('says from the first report that a file will not be embedded when no embedder is installed, and never reports embedding', async () => {
    process.env.LOCKSTEP_LOG = 'silent';
    data = tempDataDir('lockstep-stage-keyword-');
    db = openStore(data.dir);
    queue = new IngestQueue({ db, chunkTokens: () => 128, tokenizerFolder: async () => null, ocrLanguages: () => [], embedding: async () => null });
    const reports: JobProgress[] = [];
    queue.onEvent((event) => event.type === 'progress' && reports.push(event.progress));
    const file = path.join(data.dir, 'survey.pdf');
    writeFileSync(file, generateTextPdf(3));
    const { added } = await queue.addPaths([file]);
    await queue.whenIdle();
    expect(queue.document(added[0]!.documentId)).toMatchObject({ status: 'indexed' });
    const running = reports.filter((r) => r.stage !== 'queued');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((r) => r.willEmbed === false)).toBe(true);
    expect(stagesOf(running).stages).toEqual(['reading', 'parsing', 'chunking', 'writing']);
  }, 60_000);
});

const fractions = (reports: JobProgress[], stage: JobProgress['stage']) => reports.filter((r) => r.stage === stage).map((r) => r.fraction);
