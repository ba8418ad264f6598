import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestReasonCodes } from '../../../src/main/ingest/outcome';
import { parseFile, type ParseResult } from '../../../src/main/ingest/parse';
import { estimatedTokenCounter } from '../../../src/main/ingest/tokens';
import { makeDocx, makeEpub, makeFlatePdf, makePptx, makeXlsx } from '../../fixtures/ingest/generated-documents';
import { generateTextPdf } from '../../fixtures/ingest/generated-pdf';
import { corpusFile, itWithCorpus } from '../../support/corpus';

// A fixed-seed mutation corpus (bit flips, truncations, zip entry damage) over documents generated here: every outcome
// must carry a known reason code and a plain sentence, and damage must never be reported as a size limit. When the
// shared corpus is present, mutants of its real documents are checked the same way.

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = 'trace trees record hot loops and compile them to native code while the interpreter keeps running cold paths'.split(' ');
const sentence = (i: number) => Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ') + '.';

const seeds: { name: string; bytes: Uint8Array; zip: boolean }[] = [
  { name: 'report.docx', bytes: makeDocx(['Quarterly report', ...Array.from({ length: 30 }, (_, i) => sentence(i))]), zip: true },
  { name: 'figures.xlsx', bytes: makeXlsx([{ name: 'Sales', rows: [['region', 'units'], ...Array.from({ length: 40 }, (_, i) => [`region ${i}`, String(i * 13)])] }, { name: 'Notes', rows: [['note'], [sentence(3)]] }]), zip: true },
  { name: 'deck.pptx', bytes: makePptx(Array.from({ length: 6 }, (_, i) => ({ title: `Slide ${i + 1}`, body: [sentence(i), sentence(i + 1)] }))), zip: true },
  { name: 'book.epub', bytes: makeEpub('A small book', Array.from({ length: 4 }, (_, i) => ({ heading: `Chapter ${i + 1}`, paragraphs: [sentence(i), sentence(i + 2)] }))), zip: true },
  { name: 'paper.pdf', bytes: makeFlatePdf(Array.from({ length: 4 }, (_, p) => Array.from({ length: 20 }, (_, i) => sentence(p * 20 + i)))), zip: false },
  { name: 'plain.pdf', bytes: generateTextPdf(3, 20), zip: false },
  { name: 'page.html', bytes: strToU8(`<!doctype html><html><head><title>Page</title></head><body><h1>Title</h1>${Array.from({ length: 20 }, (_, i) => `<p>${sentence(i)}</p>`).join('')}</body></html>`), zip: false },
  { name: 'notes.md', bytes: strToU8(`# Notes\n\n${Array.from({ length: 20 }, (_, i) => sentence(i)).join('\n\n')}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n`), zip: false },
  { name: 'notes.txt', bytes: strToU8(Array.from({ length: 30 }, (_, i) => sentence(i)).join('\n\n')), zip: false },
  { name: 'table.csv', bytes: strToU8(['name,score', ...Array.from({ length: 40 }, (_, i) => `row ${i},${i}`)].join('\n')), zip: false },
];

/** Offsets of each local file header's compressed data, and of the central directory records, of a zip. */
function zipLayout(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data: { header: number; start: number; end: number }[] = [];
  const central: number[] = [];
  for (let i = 0; i + 30 <= bytes.length; i++) {
    const signature = view.getUint32(i, true);
    if (signature === 0x04034b50) {
      const start = i + 30 + view.getUint16(i + 26, true) + view.getUint16(i + 28, true);
      data.push({ header: i, start, end: start + view.getUint32(i + 18, true) });
    } else if (signature === 0x02014b50) central.push(i);
  }
  return { data, central };
}

type Seed = { name: string; bytes: Uint8Array; zip: boolean };

function mutants(seed: Seed, random: () => number, counts = { flips: 20, truncations: 10, zipDamage: 14 }) {
  const out: { label: string; bytes: Uint8Array }[] = [];
  const pick = (n: number) => Math.floor(random() * n);
  for (let m = 0; m < counts.flips; m++) {
    const bytes = seed.bytes.slice();
    const flips = 1 + pick(8);
    for (let f = 0; f < flips; f++) bytes[pick(bytes.length)] ^= 1 << pick(8);
    out.push({ label: `${flips} bit flips #${m}`, bytes });
  }
  for (let m = 0; m < counts.truncations; m++) {
    const keep = 1 + pick(seed.bytes.length - 1);
    out.push({ label: `truncated to ${keep}`, bytes: seed.bytes.slice(0, keep) });
  }
  if (seed.zip) {
    const { data, central } = zipLayout(seed.bytes);
    for (let m = 0; m < counts.zipDamage; m++) {
      const bytes = seed.bytes.slice();
      const view = new DataView(bytes.buffer);
      const record = central[pick(central.length)];
      const entry = data[pick(data.length)];
      switch (m % 7) {
        case 0: // scribble over one entry's compressed data
          for (let i = entry.start; i < Math.min(entry.end, entry.start + 16); i++) bytes[i] = pick(256);
          break;
        case 1: // the directory claims a far larger size
          view.setUint32(record + 24, view.getUint32(record + 24, true) * 1000 + 12_345, true);
          break;
        case 2: // wrong checksum
          view.setUint32(record + 16, view.getUint32(record + 16, true) ^ 0x5a5a5a5a, true);
          break;
        case 3: // local header signature destroyed
          view.setUint32(entry.header, 0, true);
          break;
        case 4: // the directory claims a far smaller size
          view.setUint32(record + 24, Math.floor(view.getUint32(record + 24, true) / 3), true);
          break;
        case 5: // a part renamed (one character of its name changed)
          bytes[record + 46 + pick(Math.max(1, view.getUint16(record + 28, true)))] ^= 0x20;
          break;
        case 6: // a compressed part cut in the middle, the rest of the file kept
          bytes.fill(0, entry.start + ((entry.end - entry.start) >> 1), entry.end);
          break;
      }
      out.push({ label: `zip damage ${m % 7} #${m}`, bytes });
    }
  }
  return out;
}

// What a user must never read: stacks, exception classes, library names, raw bytes, programming words.
const leaks = [
  /\n\s+at\s/,
  /\b\w*(Error|Exception)\b/,
  /\b(fflate|jszip|mammoth|exceljs|pdf\.?js|pdfjs|linkedom|papaparse|marked|readability|officecrypto|sax|xmldom|zlib|node_modules)\b/i,
  /\b(undefined|null|NaN|TypeError|properties of|is not a function|Cannot (?:read|set))\b/,
  // eslint-disable-next-line no-control-regex -- raw bytes are exactly what must not appear
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/,
];

function checkSentence(text: string): string | null {
  for (const pattern of leaks) if (pattern.test(text)) return `matches ${pattern}`;
  if (!/[.!?]$/.test(text.trim())) return 'is not a sentence';
  return null;
}

const temp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-mutants-'));
// pdf.js leaves some internal promises rejected on damaged files; the ingest worker logs and ignores them, as here.
const strayRejections: unknown[] = [];
const collectStray = (reason: unknown) => strayRejections.push(reason);
process.on('unhandledRejection', collectStray);
afterAll(() => {
  process.off('unhandledRejection', collectStray);
  rmSync(temp, { recursive: true, force: true });
});

async function parseBytes(name: string, bytes: Uint8Array): Promise<ParseResult> {
  const file = path.join(temp, name);
  writeFileSync(file, bytes);
  // OCR off: damaged pages without text would each be rendered and recognised, which is slow and not what is tested here.
  return parseFile({ filePath: file, chunkTokens: 256, ocrLanguages: [] }, estimatedTokenCounter, () => undefined);
}

/** Parses every mutant; returns the outcomes that break a rule, and how often each code came up. */
async function judge(cases: { seed: Seed; label: string; bytes: Uint8Array }[]) {
  const codes = new Map<string, number>();
  const bad: string[] = [];
  for (const { seed, label, bytes } of cases) {
    const result = await parseBytes(seed.name, bytes);
    const reason = result.status === 'indexed' ? result.notice : result.problem;
    if (!reason) continue;
    codes.set(reason.code, (codes.get(reason.code) ?? 0) + 1);
    const where = `${seed.name} (${label}): ${reason.code} "${reason.message}"`;
    if (!(ingestReasonCodes as readonly string[]).includes(reason.code)) bad.push(`${where} has an unknown code`);
    if (['zip_limits_exceeded', 'too_large', 'file_too_large', 'out_of_memory'].includes(reason.code)) bad.push(`${where} calls damage a limit`);
    const leak = checkSentence(reason.message);
    if (leak) bad.push(`${where} ${leak}`);
  }
  for (const reason of strayRejections) if (!String((reason as Error)?.stack).includes('pdfjs-dist')) bad.push(`stray rejection outside pdf.js: ${String(reason)}`);
  return { bad, codes };
}

const sharedDocuments = [
  'corpus/docs/office/docx-tables.docx',
  'corpus/docs/office/vodafone.xlsx',
  'corpus/docs/malformed/fake-power-point-malformed.pptx',
  'corpus/docs/ebook/live-manual.en.epub',
  'corpus/docs/encrypted/bug53475-password-is-pass.docx',
  'corpus/docs/pdf/korean-text-with-tables.pdf',
  'corpus/docs/encrypted/password.pdf',
  'corpus/docs/web/readability-wikipedia-3.expected.html',
  'corpus/docs/text/unstructured-README.md',
  'corpus/docs/text/fake-text-utf-16.txt',
];

describe('mutation corpus', () => {
  it('the generated seeds themselves index', async () => {
    for (const seed of seeds) expect([seed.name, (await parseBytes(seed.name, seed.bytes)).status]).toEqual([seed.name, 'indexed']);
  });

  it('gives every damaged file a known code and a plain sentence, and never calls damage a limit', async () => {
    const random = mulberry32(0x10c857e9);
    const cases = seeds.flatMap((seed) => mutants(seed, random).map((m) => ({ seed, ...m })));
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const { bad, codes } = await judge(cases);
    expect(bad).toEqual([]);
    // The corpus really exercises damage of each kind.
    for (const code of ['corrupt_archive', 'corrupt_pdf']) expect(codes.get(code) ?? 0).toBeGreaterThan(10);
  });

  itWithCorpus(sharedDocuments, 'does the same for mutants of the shared real documents', async () => {
    const random = mulberry32(0x5eed2026);
    const cases = sharedDocuments.flatMap((rel) => {
      const seed: Seed = { name: path.basename(rel), bytes: new Uint8Array(readFileSync(corpusFile(rel))), zip: /\.(docx|xlsx|pptx|epub)$/.test(rel) && !rel.includes('encrypted/') };
      return mutants(seed, random, { flips: 8, truncations: 4, zipDamage: 7 }).map((m) => ({ seed, ...m }));
    });
    const { bad } = await judge(cases);
    expect(bad).toEqual([]);
  });
});
