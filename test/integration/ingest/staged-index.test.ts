import { afterAll, describe, expect, it } from 'vitest';
import { StagedDocument, STAGED_PAGE_BATCH } from '../../../src/main/ingest/library-store';
import { indexDocument } from '../../../src/main/retrieve/document-index';
import { openStore } from '../../../src/main/store/db';
import { tempDataDir } from './helpers';

// The document index at commit reads a long document's page texts a batch at a time from the staging tables, in one
// pass, instead of every page at once: the rows come lazily, and what it indexes is what it indexed from a whole array.

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
});
