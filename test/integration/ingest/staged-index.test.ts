import { afterAll, describe, expect, it, vi } from 'vitest';
import { StagedDocument, STAGED_CHUNK_BATCH, STAGED_PAGE_BATCH, storeParsedDocument } from '../../../src/main/ingest/library-store';
import type { Chunk } from '../../../src/main/ingest/chunker';
import { indexDocument } from '../../../src/main/retrieve/document-index';
import { openStore } from '../../../src/main/store/db';
import { tempDataDir } from './helpers';

// The document index at commit reads a long document's page texts a batch at a time from the staging tables, in one
// pass, instead of every page at once: the rows come lazily, and what it indexes is what it indexed from a whole array.

// The commit's call is watched to see the heading list it hands over (documents_fts is contentless: it cannot be read back).
vi.mock('../../../src/main/retrieve/document-index', async (original) => {
  const actual = await original<typeof import('../../../src/main/retrieve/document-index')>();
  return { ...actual, indexDocument: vi.fn(actual.indexDocument) };
});

const data = tempDataDir('lockstep-staged-index-');
afterAll(() => data.cleanup());
process.env.LOCKSTEP_LOG = 'silent';

const PAGES = 300;
const pageText = (n: number) =>
  n === 1
    ? 'FORM 10-K\nAcme Widgets Corporation\nAnnual report for the fiscal year ended December 31, 2021'
    : n === 250
      ? `Page ${n}. The Total Shareholder Return (TSR) of the plan is measured over three years.`
      : `Page ${n}. Widgets shipped on time; the plant ran two shifts.`;
const pages = Array.from({ length: PAGES }, (_, i) => ({ number: i + 1, label: null, text: pageText(i + 1), ocr: null }));

describe('staged page texts for the document index', () => {
  it('are read a batch at a time: a page changed after the first text is read comes back changed', () => {
    const db = openStore(data.dir);
    const staged = new StagedDocument(db, 7);
    try {
      for (let i = 0; i < PAGES; i += 16) staged.add(pages.slice(i, i + 16), []);
      const texts = staged.pageTexts();
      expect(texts.next().value).toBe(pageText(1));
      // Page 200 lies beyond the first batch, so it has not been read yet; a reader holding every page would miss this.
      expect(200).toBeGreaterThan(STAGED_PAGE_BATCH);
      db.prepare('UPDATE temp.staged_pages SET text = ? WHERE job = ? AND page_number = 200').run('rewritten', 7);
      const rest = [...texts];
      expect(rest).toHaveLength(PAGES - 1);
      expect(rest[198]).toBe('rewritten');
      expect(rest[0]).toBe(pageText(2));
      expect(rest.at(-1)).toBe(pageText(PAGES));
    } finally {
      staged.discard();
      db.close();
    }
  });

  it('index the same row and abbreviations from a one-pass iterable as from an array', () => {
    const db = openStore(data.dir);
    try {
      const insert = db.prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, ?, 'Annual report', 'pdf', ?, 0, 'indexed', 0, 0)`);
      const ids = ['a.pdf', 'b.pdf'].map((name) => Number(insert.run(`/library/${name}`, name).lastInsertRowid));
      const facts = { title: 'Annual report', filePath: '/library/report.pdf', headingPaths: ['Part I › Business'] };
      const fromArray = indexDocument(db, { ...facts, documentId: ids[0]!, pageTexts: pages.map((p) => p.text) });
      const fromPass = indexDocument(db, { ...facts, documentId: ids[1]!, pageTexts: (function* () { for (const p of pages) yield p.text; })() });
      expect(fromPass).toBe(fromArray);
      expect(fromArray).toBe('10-K · FY2021'); // the profile read the opening pages
      const row = (id: number) => db.prepare('SELECT name, period, outline FROM documents_fts WHERE rowid = ?').get(id);
      expect(row(ids[1]!)).toEqual(row(ids[0]!));
      const abbreviations = (id: number) => db.prepare('SELECT short, expansion FROM abbreviations WHERE document_id = ? ORDER BY short').all(id);
      expect(abbreviations(ids[0]!)).toEqual([{ short: 'tsr', expansion: expect.stringMatching(/total shareholder return/i) }]);
      expect(abbreviations(ids[1]!)).toEqual(abbreviations(ids[0]!));
    } finally {
      db.close();
    }
  });

  it('outline the document with each heading path once, in reading order, gathered from the chunk batches the commit copies', () => {
    const db = openStore(data.dir);
    try {
      const documentId = Number(db.prepare(`INSERT INTO documents (workspace_id, path, title, type, content_hash, size_bytes, status, created_at, updated_at) VALUES (1, '/library/outline.pdf', 'outline.pdf', 'pdf', 'h', 0, 'processing', 0, 0)`).run().lastInsertRowid);
      const jobId = Number(db.prepare(`INSERT INTO jobs (kind, workspace_id, document_id, payload_json, state, created_at, updated_at) VALUES ('ingest', 1, ?, '{}', 'running', 0, 0)`).run(documentId).lastInsertRowid);
      // Headings come back after others and a new one first appears beyond the first batch of staged chunks.
      const pathOf = (i: number) => (i === STAGED_CHUNK_BATCH + 5 ? 'Part II › Risk Factors' : ['Part I', 'Part I › Business', 'Part I', 'Part I › Properties'][i % 4]!);
      const chunks: Chunk[] = Array.from({ length: STAGED_CHUNK_BATCH + 10 }, (_, i) => ({
        ordinal: i, text: `Chunk ${i} about widgets.`, tokenCount: 5, pageStart: 1, pageEnd: 1, labelStart: null, labelEnd: null,
        charStart: 0, charEnd: 10, headingPath: pathOf(i), context: '', kind: 'paragraph',
      }));
      const parsed = { status: 'indexed' as const, format: 'pdf' as const, title: 'Annual report', pageCount: 1, chunkCount: chunks.length, notice: null, pagesHeldPeak: 1, pages: [pages[1]!], chunks };
      storeParsedDocument(db, documentId, jobId, parsed, { contentHash: 'h', sizeBytes: 1, mtimeMs: null }, null);
      const call = vi.mocked(indexDocument).mock.calls.find(([, facts]) => facts.documentId === documentId);
      expect(call![1].headingPaths).toEqual(['Part I', 'Part I › Business', 'Part I › Properties', 'Part II › Risk Factors']);
      expect(db.prepare(`SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'outline : risk'`).all()).toEqual([{ rowid: documentId }]);
      expect((db.prepare('SELECT COUNT(*) AS n FROM chunks WHERE document_id = ?').get(documentId) as { n: number }).n).toBe(chunks.length);
    } finally {
      db.close();
    }
  });
});
