import { strToU8, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { converters } from '../../../src/main/ingest/converters/index';
import { detectFormat } from '../../../src/main/ingest/detect';
import { defaultLimits, type ConvertedDocument, type DocumentFormat, type SourcePage } from '../../../src/main/ingest/document';
import { IngestProblem } from '../../../src/main/ingest/outcome';
import { unzipGuarded } from '../../../src/main/ingest/zip';

async function convert(format: DocumentFormat, bytes: Uint8Array, fileName = 'file') {
  const run = converters[format]({ bytes, fileName, limits: defaultLimits, onProgress: () => undefined });
  const pages: SourcePage[] = [];
  let step = await run.next();
  while (!step.done) {
    pages.push(step.value);
    step = await run.next();
  }
  return { pages, summary: step.value as ConvertedDocument };
}

const problemOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof IngestProblem) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an IngestProblem');
};

describe('zip guards', () => {
  const limits = { ...defaultLimits, maxUnzippedBytes: 1024 * 1024, maxZipEntries: 10 };

  it('rejects archives that expand past the size or entry limits', () => {
    const bomb = zipSync({ 'word/document.xml': new Uint8Array(2 * 1024 * 1024) });
    expect(problemOf(() => unzipGuarded(bomb, limits, 'Word document'))).toMatchObject({ code: 'zip_limits_exceeded', status: 'failed' });
    const many = zipSync(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.xml`, strToU8('x')])));
    expect(problemOf(() => unzipGuarded(many, limits, 'EPUB book')).message).toContain('holds 11 parts, more than the 10 allowed');
  });

  it('ignores entries whose paths escape the archive and reports truncated archives', () => {
    const archive = zipSync({ 'ok.xml': strToU8('<ok/>'), '../evil.xml': strToU8('<evil/>'), '/abs.xml': strToU8('<abs/>') });
    expect([...unzipGuarded(archive, limits, 'EPUB book').keys()]).toEqual(['ok.xml']);
    expect(problemOf(() => unzipGuarded(archive.subarray(0, archive.length - 30), limits, 'Word document'))).toMatchObject({
      code: 'corrupt_archive',
      message: expect.stringContaining('truncated'),
    });
  });
});

describe('format detection', () => {
  it('chooses by content first and names what it cannot read', () => {
    expect(detectFormat(strToU8('%PDF-1.7\n...'), 'renamed.txt')).toMatchObject({ format: 'pdf', note: expect.stringContaining('ends in .txt') });
    expect(detectFormat(zipSync({ 'mimetype': strToU8('application/epub+zip') }, { level: 0 }), 'book.bin')).toEqual({ format: 'epub', note: null });
    expect(detectFormat(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'secret.xlsx')).toEqual({ format: 'encrypted-office', note: null });
    // Scans (PNG, JPEG, TIFF) are read by OCR, whatever their name says.
    expect(detectFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'photo.pdf')).toEqual({ format: 'image', note: "This file's name ends in .pdf, but it is an image, so Lockstep read it as one." });
    expect(detectFormat(new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), 'scan.tif')).toEqual({ format: 'image', note: null });
    expect(detectFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'scan.jpeg')).toEqual({ format: 'image', note: null });
    expect(problemOf(() => detectFormat(strToU8('GIF89a\0\0\0\0'), 'photo.gif')).message).toContain('GIF image');
    expect(problemOf(() => detectFormat(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'old.doc')).code).toBe('unsupported_format');
    expect(detectFormat(strToU8('<!DOCTYPE html><p>hi</p>'), 'page')).toEqual({ format: 'html', note: null });
  });
});

describe('converters', () => {
  it('reads EPUB chapters in spine order with one heading path across chapters', async () => {
    const epub = zipSync({
      mimetype: strToU8('application/epub+zip'),
      'META-INF/container.xml': strToU8('<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>'),
      'OEBPS/content.opf': strToU8(`<package><metadata><dc:title>Live Manual</dc:title></metadata><manifest>
        <item id="a" href="a.xhtml"/><item id="b" href="text/b.xhtml"/></manifest><spine><itemref idref="b"/><itemref idref="a"/></spine></package>`),
      'OEBPS/a.xhtml': strToU8('<html><body><h1>Second</h1><p>Second chapter text.</p></body></html>'),
      'OEBPS/text/b.xhtml': strToU8('<html><body><h1>First</h1><h2>Setup</h2><pre>lb config\nlb build</pre><ul><li>one</li><li>two</li></ul></body></html>'),
    });
    const { pages, summary } = await convert('epub', epub);
    expect(summary).toMatchObject({ title: 'Live Manual', pageCount: 2 });
    expect(pages[0].blocks).toEqual([
      { kind: 'heading', text: 'First', headingPath: ['First'] },
      { kind: 'heading', text: 'Setup', headingPath: ['First', 'Setup'] },
      { kind: 'code', text: 'lb config\nlb build', headingPath: ['First', 'Setup'] },
      { kind: 'list', text: '- one\n- two', headingPath: ['First', 'Setup'] },
    ]);
    expect(pages[1].blocks[0]).toEqual({ kind: 'heading', text: 'Second', headingPath: ['Second'] });
  });

  it('reads Markdown headings, code and tables', async () => {
    const md = '# Guide\n\nIntro with a [link](http://x).\n\n## Install\n\n```sh\nnpm i\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';
    const { pages } = await convert('markdown', strToU8(md));
    expect(pages[0].blocks).toEqual([
      { kind: 'heading', text: 'Guide', headingPath: ['Guide'] },
      { kind: 'paragraph', text: 'Intro with a link.', headingPath: ['Guide'] },
      { kind: 'heading', text: 'Install', headingPath: ['Guide', 'Install'] },
      { kind: 'code', text: 'npm i', headingPath: ['Guide', 'Install'] },
      { kind: 'table', text: '| a | b |\n| --- | --- |\n| 1 | 2 |', tableHeader: '| a | b |\n| --- | --- |', headingPath: ['Guide', 'Install'] },
    ]);
  });

  it('decodes HTML in its declared charset and CSV into row blocks with the header repeated', async () => {
    const html = iconv.encode('<html><head><meta charset="windows-1252"><title>Café</title></head><body><p>Crème brûlée</p></body></html>', 'windows-1252');
    const { pages, summary } = await convert('html', html);
    expect(summary.title).toBe('Café');
    expect(pages[0].blocks.map((b) => b.text)).toContain('Crème brûlée');

    const csv = ['name,score', ...Array.from({ length: 30 }, (_, i) => `row${i},${i}`)].join('\n');
    const blocks = (await convert('csv', strToU8(csv))).pages[0].blocks;
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(block.text.startsWith('| name | score |\n| --- | --- |\n')).toBe(true);
    expect(blocks[1].text.split('\n').slice(2)).toEqual(Array.from({ length: 5 }, (_, i) => `| row${25 + i} | ${25 + i} |`));
  });
});
