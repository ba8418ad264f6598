import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SettingsStore } from '../../../src/main/settings/settings';
import { openStore } from '../../../src/main/store/db';
import { corpusFile, describeWithCorpus, itWithCorpus } from '../../support/corpus';
import { copyCorpusDocs, runIngest, tempDataDir, tokenizerDir } from '../ingest/helpers';
import { ok } from './checks';

// The shared documents, ingested by the real CLI and served by `lockstep mcp`: a phrase from the middle of a page
// comes back from search_documents on that page, and read_page returns the stored page.

const DOCS = ['corpus/docs/pdf/tracemonkey.pdf', 'corpus/docs/pdf/maint-guide.en.pdf'];
const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const PAGES: Record<string, number[]> = { 'tracemonkey.pdf': [2, 5, 10], 'maint-guide.en.pdf': [3, 20, 40] };

/** Eight consecutive plain words from the middle of a page: specific enough to have one right answer. */
function phraseOf(text: string): string {
  const words = text.split(/\s+/).filter((w) => /^[A-Za-z][a-z]{3,}[,.]?$/.test(w));
  const start = Math.max(0, Math.floor(words.length / 2) - 4);
  return words.slice(start, start + 8).join(' ').replace(/[,.]/g, '');
}

describeWithCorpus(DOCS, 'MCP over the shared documents', () => {
  let data: ReturnType<typeof tempDataDir>;
  let docs: ReturnType<typeof tempDataDir>;
  let client: Client;
  const documents: { id: number; file: string; pages: Map<number, string> }[] = [];

  beforeAll(async () => {
    data = tempDataDir('lockstep-mcp-corpus-');
    docs = copyCorpusDocs(DOCS, 'lockstep-mcp-docs-');
    runIngest(data.dir, [docs.dir], { LOCKSTEP_TOKENIZER_DIR: tokenizerDir });
    const db = openStore(data.dir);
    try {
      db.prepare('UPDATE workspaces SET shared_with_apps = 1 WHERE id = 1').run();
      for (const row of db.prepare("SELECT id, path FROM documents WHERE status = 'indexed'").all() as { id: number; path: string }[]) {
        const file = row.path.split(/[\\/]/).at(-1)!;
        const pages = new Map((db.prepare('SELECT page_number AS n, text FROM pages WHERE document_id = ?').all(row.id) as { n: number; text: string }[]).map((p) => [p.n, p.text]));
        documents.push({ id: row.id, file, pages });
      }
    } finally {
      db.close();
    }
    client = new Client({ name: 'lockstep-corpus-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['bin/lockstep.mjs', '--data-dir', data.dir, 'mcp'],
        env: { ...(process.env as Record<string, string>), LOCKSTEP_LOG: 'silent' },
        stderr: 'ignore',
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    data?.cleanup();
    docs?.cleanup();
  });

  it('finds a phrase from the middle of a page on that page', async () => {
    expect(documents.map((d) => d.file).sort()).toEqual(['maint-guide.en.pdf', 'tracemonkey.pdf']);
    for (const document of documents) {
      for (const page of PAGES[document.file]!) {
        const phrase = phraseOf(document.pages.get(page)!);
        const result = await ok<{ passages: { document: { id: number }; page: number; pageEnd: number; uri: string; text: string }[] }>(client, 'search_documents', { query: phrase, k: 3 });
        const [top] = result.passages;
        expect(top, `${document.file} p. ${page}: ${phrase}`).toMatchObject({ document: { id: document.id } });
        expect(top!.page, `${document.file} p. ${page}: ${phrase}`).toBeLessThanOrEqual(page);
        expect(top!.pageEnd, `${document.file} p. ${page}: ${phrase}`).toBeGreaterThanOrEqual(page);
        expect(top!.uri).toBe(`lockstep://document/${document.id}#page=${top!.page}`);
      }
    }
  });

  it('reads each of those pages as stored', async () => {
    for (const document of documents) {
      for (const page of PAGES[document.file]!) {
        const result = await ok<{ text: string; pageCount: number }>(client, 'read_page', { document: document.id, page });
        expect(document.pages.get(page)!.startsWith(result.text)).toBe(true);
        expect(result.pageCount).toBe(document.pages.size);
      }
    }
  });

  itWithCorpus(
    [STORIES],
    'asks the configured local model (the LPU emulator) and returns the sources as data, within the budget',
    async () => {
      const db = openStore(data.dir);
      try {
        new SettingsStore(db).update({ provider: 'lpu', chatModelId: corpusFile(STORIES) });
      } finally {
        db.close();
      }
      const result = await ok<{ provider: string; model: string; uncited: boolean; citations: { n: number; document: { id: number }; page: number; uri: string; quote: string }[] }>(
        client,
        'ask',
        { question: 'How does the trace recorder handle loops?' },
      );
      expect(result).toMatchObject({ provider: 'lpu', model: 'stories260K' });
      // A tiny story model rarely writes [n]; uncited or not, the sources it was given come back as citations.
      expect(result.citations.length).toBeGreaterThan(0);
      for (const citation of result.citations) {
        const document = documents.find((d) => d.id === citation.document.id)!;
        expect(document.pages.has(citation.page)).toBe(true);
        expect(citation.uri).toBe(`lockstep://document/${document.id}#page=${citation.page}`);
      }
      expect(JSON.stringify(result).length / 4).toBeLessThanOrEqual(4000);
    },
    180_000,
  );
});
