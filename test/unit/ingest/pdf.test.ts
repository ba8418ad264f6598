import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertPdf } from '../../../src/main/ingest/converters/pdf';
import { defaultLimits, type SourcePage } from '../../../src/main/ingest/document';
import { IngestProblem } from '../../../src/main/ingest/outcome';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// A real user-password PDF (password "password"), from the test corpus.
const PASSWORD_PDF = 'corpus/docs/encrypted/password.pdf';

async function convert(bytes: Uint8Array, password?: string) {
  const progress: [number, number][] = [];
  const run = convertPdf({ bytes, fileName: 'x.pdf', password, limits: defaultLimits, onProgress: (done, total) => progress.push([done, total]) });
  const pages: SourcePage[] = [];
  for (let step = await run.next(); ; step = await run.next()) {
    if (step.done) return { pages, summary: step.value, progress };
    pages.push(step.value);
  }
}

describe('PDF converter', () => {
  it('streams pages in order, reports progress per page and drops running page numbers', async () => {
    const { pages, summary, progress } = await convert(generateTextPdf(30));
    expect(summary).toMatchObject({ pageCount: 30, pagesWithoutText: [], garbledPages: [] });
    expect(pages.map((p) => p.number)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(progress.at(0)).toEqual([0, 30]);
    expect(progress.at(-1)).toEqual([30, 30]);
    const text = pages[6].blocks.map((b) => b.text).join('\n');
    expect(text.startsWith('Page 7 line 1: trace trees')).toBe(true);
    expect(text).toContain('Page 7 line 40: trace trees record hot loops and compile them to native code.');
    expect(text).not.toMatch(/code\.\s*7$/); // the footer "7" is gone
  });

  itWithCorpus([PASSWORD_PDF], 'distinguishes a missing password from a wrong one', async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile(PASSWORD_PDF)));
    const codeOf = async (password?: string) => convert(bytes, password).then(() => 'opened', (e: IngestProblem) => `${e.code}:${e.status}`);
    expect(await codeOf()).toBe('password_required:needs_password');
    expect(await codeOf('nope')).toBe('wrong_password:needs_password');
    expect(await codeOf('password')).toBe('opened');
  });
});
