import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertPdf } from '../../../src/main/ingest/converters/pdf';
import { defaultLimits, type SourcePage } from '../../../src/main/ingest/document';
import { IngestProblem } from '../../../src/main/ingest/outcome';
import { contentStreamPdf, generateTextPdf, pdfString } from '../../fixtures/ingest/generated-pdf';
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

  it('keeps footnote marks with their words and their notes, and URLs wrapped across lines whole', async () => {
    const body = [
      // The mark is set as PDF does: smaller, and raised with a text rise (Ts).
      `${pdfString('The recorder follows hot loops in the interpreter until they close.')} Tj /F1 7 Tf 3.5 Ts (4) Tj 0 Ts /F1 10 Tf ${pdfString(' It stops at exits and hands')} Tj`,
      `0 -12 Td ${pdfString('every finished trace to the compiler. The measurements are at https://example.org/reports/')} Tj`,
      `0 -12 Td ${pdfString('2024/summary.pdf together with the scripts that produced every figure of this paper.')} Tj`,
    ];
    const stream = ['BT /F1 10 Tf 56 700 Td', ...body, 'ET', 'BT /F1 6 Tf 56 103.5 Td (4) Tj ET', `BT /F1 8 Tf 60 100 Td ${pdfString('The loop header is where a trace starts and ends.')} Tj ET`].join('\n');
    const { pages } = await convert(contentStreamPdf([stream]));
    const texts = pages[0].blocks.map((b) => b.text);
    expect(texts[0]).toContain('hot loops in the interpreter until they close.⁴ It stops at exits');
    expect(texts[0]).toContain('The measurements are at https://example.org/reports/2024/summary.pdf together with the scripts');
    expect(texts.at(-1)).toBe('⁴ The loop header is where a trace starts and ends.');
    expect(texts.join('\n')).not.toMatch(/^4$/m);
  });

  itWithCorpus([PASSWORD_PDF], 'distinguishes a missing password from a wrong one', async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile(PASSWORD_PDF)));
    const codeOf = async (password?: string) => convert(bytes, password).then(() => 'opened', (e: IngestProblem) => `${e.code}:${e.status}`);
    expect(await codeOf()).toBe('password_required:needs_password');
    expect(await codeOf('nope')).toBe('wrong_password:needs_password');
    expect(await codeOf('password')).toBe('opened');
  });
});
