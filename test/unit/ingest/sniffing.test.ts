import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../../../src/main/ingest/parse';
import { estimatedTokenCounter } from '../../../src/main/ingest/tokens';
import { makeDocx, makeEpub, makePptx, makeXlsx } from '../../fixtures/ingest/generated-documents';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';

// Content decides the format, for every format: a renamed file is parsed as what it is, with a note saying so.

const temp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-sniff-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function parseAs(name: string, bytes: Uint8Array) {
  const file = path.join(temp, name);
  writeFileSync(file, bytes);
  return parseFile({ filePath: file, chunkTokens: 256 }, estimatedTokenCounter, () => undefined);
}

const documents = {
  xlsx: makeXlsx([{ name: 'Budget', rows: [['item', 'cost'], ['rent', '1200']] }]),
  docx: makeDocx(['Minutes', 'The committee met on Tuesday.']),
  pptx: makePptx([{ title: 'Roadmap', body: ['Ship the importer'] }]),
  epub: makeEpub('Tales', [{ heading: 'One', paragraphs: ['Once upon a time.'] }]),
  pdf: generateTextPdf(1, 5),
  html: strToU8('<!doctype html><html><head><title>Notes</title></head><body><h1>Notes</h1><p>Plain words in a page.</p></body></html>'),
  text: strToU8('Plain words in a file.\n\nA second paragraph.'),
};

describe('content sniffing', () => {
  it.each([
    ['report.pdf', 'xlsx', 'an Excel workbook'],
    ['minutes.xlsx', 'docx', 'a Word document'],
    ['deck.docx', 'pptx', 'a PowerPoint presentation'],
    ['tales.pptx', 'epub', 'an EPUB book'],
    ['paper.docx', 'pdf', 'a PDF'],
    ['paper.txt', 'pdf', 'a PDF'],
    ['notes.pdf', 'html', 'a web page'],
    ['notes.epub', 'text', 'a text file'],
  ] as const)('%s holding %s content is read as %s, with a note', async (name, content, described) => {
    const result = await parseAs(name, documents[content]);
    expect(result).toMatchObject({ status: 'indexed', format: content });
    const ext = path.extname(name);
    expect(result.status === 'indexed' && result.notice).toEqual({ code: 'format_mismatch', message: `This file's name ends in ${ext}, but it is ${described}, so Lockstep read it as one.` });
  });

  it('a name that agrees with the content, or has no extension, gives no note', async () => {
    for (const [name, content] of [['budget.xlsx', 'xlsx'], ['budget', 'xlsx'], ['tales.bin', 'epub'], ['notes.md', 'text']] as const) {
      const result = await parseAs(name, documents[content]);
      expect([name, result.status, result.status === 'indexed' && result.notice]).toEqual([name, 'indexed', null]);
    }
  });

  it('a damaged file is judged by what its name promised when the content proves nothing else', async () => {
    expect(await parseAs('broken.pdf', strToU8('1 0 obj << /Type /Catalog >> endobj trailer'))).toMatchObject({ status: 'failed', problem: { code: 'corrupt_pdf' } });
    expect(await parseAs('broken.docx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 0, 0, 9]))).toMatchObject({ status: 'failed', problem: { code: 'corrupt_archive' } });
  });
});
