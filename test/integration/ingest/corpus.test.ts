import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { segmentForIndex } from '../../../src/main/text/segment';
import { loadTokenCounter } from '../../../src/main/ingest/tokens';
import { copyCorpusDocs, corpusDocs, noOrphans, openReadonly, orphanCounts, runIngest, tempDataDir, tokenizerDir, type IngestJson } from './helpers';
import { describeWithCorpus } from '../../support/corpus';

// `lockstep ingest <folder> --json` over a copy of the real documents (test/corpus/manifest.json): every file's outcome
// as ../shared/corpus/docs/MANIFEST.md describes it.

const expected: Record<string, { status: string; reasonCode?: string | null; pages?: number }> = {
  'ebook/live-manual.en.epub': { status: 'indexed', reasonCode: null, pages: 47 },
  'encrypted/bug53475-password-is-pass.docx': { status: 'needs_password', reasonCode: 'password_required' },
  'encrypted/password.pdf': { status: 'needs_password', reasonCode: 'password_required' },
  'malformed/bug1020226.pdf': { status: 'failed', reasonCode: 'corrupt_pdf' },
  'malformed/fake-power-point-malformed.pptx': { status: 'indexed', reasonCode: null, pages: 1 },
  'malformed/truncated62886.docx': { status: 'failed', reasonCode: 'corrupt_archive' },
  'office/HowWeRefactor.pptx': { status: 'indexed', reasonCode: null, pages: 28 },
  'office/docx-tables.docx': { status: 'indexed', reasonCode: null, pages: 1 },
  'office/vodafone.xlsx': { status: 'indexed', reasonCode: null, pages: 1 },
  'pdf/korean-text-with-tables.pdf': { status: 'indexed', reasonCode: null, pages: 1 },
  'pdf/maint-guide.en.pdf': { status: 'indexed', reasonCode: null, pages: 63 },
  'pdf/maint-guide.zh-cn.pdf': { status: 'indexed', reasonCode: null, pages: 63 },
  'pdf/multi-column.pdf': { status: 'indexed', reasonCode: null, pages: 13 },
  'pdf/tracemonkey.pdf': { status: 'indexed', reasonCode: null, pages: 14 },
  'scanned/loremipsum-flat.pdf': { status: 'indexed', reasonCode: null, pages: 1 },
  'scanned/pdf-with-ocr-text.pdf': { status: 'indexed', reasonCode: null, pages: 1 },
  'text/fake-text-utf-16.txt': { status: 'indexed', reasonCode: null, pages: 1 },
  'text/unstructured-README.md': { status: 'indexed', reasonCode: null, pages: 1 },
  'web/readability-wikipedia-3.expected.html': { status: 'indexed', reasonCode: null, pages: 1 },
  'web/readability-wikipedia-3.source.html': { status: 'indexed', reasonCode: null, pages: 1 },
};

describeWithCorpus(corpusDocs, 'lockstep ingest over the real documents', () => {
  let data: ReturnType<typeof tempDataDir>;
  let docs: ReturnType<typeof tempDataDir>;
  let corpus: string;
  let result: IngestJson;
  const outcome = (relative: string) => result.files.find((f) => f.path === path.join(corpus, relative))!;

  beforeAll(() => {
    data = tempDataDir('lockstep-ingest-corpus-');
    docs = copyCorpusDocs(corpusDocs, 'lockstep-ingest-docs-');
    corpus = docs.dir;
    // Chunks are budgeted with the real all-MiniLM-L6-v2 tokenizer (no embedder is installed here).
    result = runIngest(data.dir, [corpus], { LOCKSTEP_TOKENIZER_DIR: tokenizerDir });
  }, 120_000);
  afterAll(() => {
    data?.cleanup();
    docs?.cleanup();
  });

  it('reports exactly the expected outcome for every file', () => {
    const actual = Object.fromEntries(
      result.files.map((f) => [path.relative(corpus, f.path), { status: f.status, reasonCode: f.reasonCode, ...(expected[path.relative(corpus, f.path)]?.pages ? { pages: f.pages } : {}) }]),
    );
    expect(actual).toEqual(expected);
    expect(result.summary).toMatchObject({ files: 20, indexed: 16, needs_password: 2, needs_ocr: 0, failed: 2, missing: 0 });
    for (const file of result.files.filter((f) => f.status !== 'indexed')) expect(file.reason).toMatch(/\w+ .*\./);
  });

  it('explains specific reasons for damaged files', () => {
    expect(outcome('malformed/truncated62886.docx').reason).toContain('truncated');
    // The CLI names its own flag where the app says to enter the password.
    expect(outcome('encrypted/password.pdf').reason).toBe('This PDF is password-protected. Run `lockstep ingest <file> --password <password>` to index it.');
  });

  it('stores text with page provenance, labels and a Chinese-searchable keyword index', () => {
    const db = openReadonly(data.dir);
    try {
      const docId = (relative: string) => outcome(relative).documentId;
      // A phrase from section 6.5 of the TraceMonkey paper, which is on page 10.
      const hits = db
        .prepare(`SELECT c.page_start AS pageStart, c.page_end AS pageEnd FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
                  WHERE chunks_fts MATCH '"foreign function interface"' AND c.document_id = ?`)
        .all(docId('pdf/tracemonkey.pdf'));
      expect(hits).toEqual([{ pageStart: 10, pageEnd: 10 }]);
      const page10 = db.prepare('SELECT text FROM pages WHERE document_id = ? AND page_number = 10').get(docId('pdf/tracemonkey.pdf')) as { text: string };
      expect(page10.text).toContain('6.5 Calling External Functions');

      const labels = db.prepare('SELECT label FROM pages WHERE document_id = ? ORDER BY page_number').all(docId('pdf/maint-guide.en.pdf')) as { label: string }[];
      expect(labels.slice(0, 8).map((l) => l.label)).toEqual(['i', 'ii', 'iii', 'iv', 'v', 'vi', '1', '2']);
      expect(labels.at(-1)!.label).toBe('57');

      // The Chinese query is segmented like the indexed text; quoting keeps its words adjacent (a phrase).
      const chinese = db
        .prepare(`SELECT c.page_start AS page, c.label_start AS label, c.text FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
                  WHERE chunks_fts MATCH ? AND c.document_id = ? ORDER BY c.ordinal LIMIT 1`)
        .get(`"${segmentForIndex('维护人员')}"`, docId('pdf/maint-guide.zh-cn.pdf')) as { page: number; label: string; text: string };
      expect(chinese.text).toContain('维护人员');
      expect(chinese).toMatchObject({ page: 7, label: '1' });

      const utf16 = db.prepare('SELECT text FROM pages WHERE document_id = ?').get(docId('text/fake-text-utf-16.txt')) as { text: string };
      expect(utf16.text).toContain('This is a test document to use for unit tests.');
      expect(utf16.text).not.toContain('\u0000');

      const pptx = db.prepare('SELECT text FROM chunks WHERE document_id = ?').get(docId('malformed/fake-power-point-malformed.pptx')) as { text: string };
      expect(pptx.text).toBe('Test Slide\n\nProblem Date Placeholder');
      expect(orphanCounts(db)).toEqual(noOrphans);
    } finally {
      db.close();
    }
  });

  it('keeps every chunk within the default token budget, counted exactly in the tokenizer', async () => {
    const counter = await loadTokenCounter(tokenizerDir);
    const db = openReadonly(data.dir);
    try {
      const chunks = db.prepare('SELECT text, token_count AS tokens FROM chunks').all() as { text: string; tokens: number }[];
      expect(chunks.length).toBeGreaterThan(900);
      const measured = chunks.map((c) => ({ real: counter.count(c.text), stored: c.tokens }));
      expect(measured.filter((m) => m.real > 248)).toEqual([]); // 256 (settings.chunkTokens) minus 8 reserved
      expect(measured.filter((m) => m.real !== m.stored)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('indexes protected files with the right password and says so for a wrong one', () => {
    const pdf = path.join(corpus, 'encrypted/password.pdf');
    const docx = path.join(corpus, 'encrypted/bug53475-password-is-pass.docx');
    expect(runIngest(data.dir, [pdf, '--password', 'wrong']).files[0]).toMatchObject({ status: 'needs_password', reasonCode: 'wrong_password' });
    const unlocked = runIngest(data.dir, [pdf, '--password', 'password']).files[0];
    expect(unlocked).toMatchObject({ status: 'indexed', pages: 1, chunks: 1, documentId: outcome('encrypted/password.pdf').documentId });
    expect(runIngest(data.dir, [docx, '--password', 'pass']).files[0]).toMatchObject({ status: 'indexed', reasonCode: null });
    const db = openReadonly(data.dir);
    try {
      const text = db.prepare('SELECT text FROM chunks WHERE document_id = ?').get(unlocked.documentId) as { text: string };
      expect(text.text).toContain('File with password');
    } finally {
      db.close();
    }
  }, 180_000); // three CLI runs, each a fresh Node process
});
