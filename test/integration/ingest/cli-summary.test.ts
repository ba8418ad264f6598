import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDocx } from '../../fixtures/ingest/generated-documents';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { openReadonly, runIngest, tempDataDir } from './helpers';

// The ingest summary tells indexed files from duplicates (same content) and unchanged files, and its chunk counts
// are the database's.

const work = tempDataDir('lockstep-summary-');
afterAll(() => work.cleanup());

describe('lockstep ingest summary', () => {
  it('separates indexed, duplicate, unchanged and failed files, with chunk counts read from the database', () => {
    const docs = path.join(work.dir, 'docs');
    const dataDir = path.join(work.dir, 'data');
    mkdirSync(path.join(docs, 'copies'), { recursive: true });
    const pdf = generateTextPdf(4, 30);
    writeFileSync(path.join(docs, 'paper.pdf'), pdf);
    writeFileSync(path.join(docs, 'copies', 'paper-copy.pdf'), pdf);
    writeFileSync(path.join(docs, 'copies', 'paper-again.pdf'), pdf);
    writeFileSync(path.join(docs, 'minutes.docx'), makeDocx(['Minutes', 'The committee met on Tuesday and agreed the budget.']));
    writeFileSync(path.join(docs, 'notes.md'), strToU8('# Notes\n\nTrace trees record hot loops.\n'));
    writeFileSync(path.join(docs, 'photo.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));

    const first = runIngest(dataDir, [docs]);
    const db = openReadonly(dataDir);
    try {
      const chunksInDb = (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
      const documentsInDb = (db.prepare('SELECT COUNT(*) AS n FROM documents').get() as { n: number }).n;
      expect(first.summary).toMatchObject({ files: 6, documents: documentsInDb, indexed: 3, duplicate: 2, unchanged: 0, needs_ocr: 0, needs_password: 0, failed: 1, chunks: chunksInDb });
      expect(documentsInDb).toBe(4);
      const byName = Object.fromEntries(first.files.map((f) => [path.basename(f.path), f as typeof f & { result: string; duplicateOf: string | null }]));
      expect(byName['paper-copy.pdf']).toMatchObject({ result: 'duplicate', duplicateOf: path.join(docs, 'copies', 'paper-again.pdf') });
      expect(byName['paper.pdf']).toMatchObject({ result: 'duplicate' });
      expect(byName['paper-again.pdf']).toMatchObject({ result: 'indexed' });
      for (const file of first.files) {
        const stored = (db.prepare('SELECT COUNT(*) AS n FROM chunks WHERE document_id = ?').get(file.documentId) as { n: number }).n;
        expect([path.basename(file.path), file.chunks]).toEqual([path.basename(file.path), stored]);
      }
    } finally {
      db.close();
    }

    const second = runIngest(dataDir, [docs]);
    expect(second.summary).toMatchObject({ files: 6, indexed: 0, duplicate: 2, unchanged: 3, failed: 1, chunks: 0 });
  }, 240_000);
});
