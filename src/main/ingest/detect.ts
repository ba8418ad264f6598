import path from 'node:path';
import type { DocumentFormat } from './document';
import { isCfb } from './office-crypto';
import { problems } from './outcome';
import { zipEntryNames } from './zip';

// Formats are chosen by content: magic bytes, and for zip packages the parts inside. The extension only chooses among
// text formats (Markdown, CSV, HTML, plain text), and a file whose name disagrees with its content gets a note.

export const formatNames: Record<DocumentFormat, string> = {
  pdf: 'PDF', docx: 'Word document', pptx: 'PowerPoint presentation', xlsx: 'Excel workbook', csv: 'CSV file',
  epub: 'EPUB book', html: 'web page', markdown: 'Markdown file', text: 'text file', image: 'image',
};

const withArticle = (format: DocumentFormat) => `${/^[AEIOU]/i.test(formatNames[format]) ? 'an' : 'a'} ${formatNames[format]}`;

const binaryExtensions: Record<string, DocumentFormat> = {
  '.pdf': 'pdf', '.docx': 'docx', '.docm': 'docx', '.pptx': 'pptx', '.pptm': 'pptx', '.xlsx': 'xlsx', '.xlsm': 'xlsx', '.epub': 'epub',
  '.png': 'image', '.jpg': 'image', '.jpeg': 'image', '.tif': 'image', '.tiff': 'image',
};
const textExtensions: Record<string, DocumentFormat> = {
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.csv': 'csv', '.tsv': 'csv',
  '.txt': 'text', '.text': 'text',
};
const zipFormats = new Set<DocumentFormat>(['docx', 'pptx', 'xlsx', 'epub']);

export interface Detected {
  format: DocumentFormat | 'encrypted-office';
  /** Set when the file's name says another format than its content. */
  note: string | null;
}

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);
const ascii = (bytes: Uint8Array, length: number) => new TextDecoder('latin1').decode(bytes.subarray(0, length));

/** PNG, JPEG and TIFF (either byte order): the scans OCR reads directly. */
const isScanImage = (bytes: Uint8Array) =>
  startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) || startsWith(bytes, [0xff, 0xd8, 0xff]) || startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]);

/** Known binary formats Lockstep does not read, named so the user knows what they dropped. */
function unsupportedBinary(bytes: Uint8Array): string | null {
  if (ascii(bytes, 4) === 'GIF8') return 'a GIF image';
  if (startsWith(bytes, [0x1f, 0x8b])) return 'a gzip archive';
  if (ascii(bytes, 4) === '7z\xbc\xaf') return 'a 7-Zip archive';
  if (ascii(bytes, 5) === '{\\rtf') return 'an RTF document';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'a program (ELF)';
  return null;
}

function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) return false; // UTF-16 BOM
  let nuls = 0;
  for (const b of sample) if (b === 0) nuls++;
  // UTF-16 without a BOM has NULs in half the bytes; random binary has them scattered.
  return nuls > 0 && (nuls < sample.length * 0.3 || nuls > sample.length * 0.7);
}

/** The package format its parts reveal: OOXML by its main folders, EPUB by its container. */
function zipPackageFormat(names: string[]): DocumentFormat | null {
  if (names.some((n) => n.startsWith('word/'))) return 'docx';
  if (names.some((n) => n.startsWith('xl/'))) return 'xlsx';
  if (names.some((n) => n.startsWith('ppt/'))) return 'pptx';
  if (names.includes('META-INF/container.xml') || names.includes('mimetype')) return 'epub';
  return null;
}

function sniffZip(bytes: Uint8Array, expected: DocumentFormat | null): DocumentFormat {
  const names = zipEntryNames(bytes);
  // Unreadable directory: the local headers at the start still name the parts; the converter then reports the damage.
  const format = names ? zipPackageFormat(names) : zipPackageFormat([...ascii(bytes, 4096).matchAll(/word\/|xl\/|ppt\/|mimetype/g)].map((m) => m[0]));
  if (format) return format;
  if (expected && zipFormats.has(expected)) {
    if (!names) throw problems.corruptArchive(formatNames[expected], 'its zip container is truncated (the end of the file is missing)');
    throw problems.corruptDocument(formatNames[expected], `its zip package lacks the parts every ${formatNames[expected]} has`);
  }
  if (!names) throw problems.corruptArchive('zip archive', 'it is truncated (the end of the file is missing)');
  throw problems.unsupported('This is a zip archive, not a document. Unzip it and add the documents inside.');
}

function sniff(bytes: Uint8Array, ext: string, expected: DocumentFormat | null): DocumentFormat | 'encrypted-office' {
  if (ascii(bytes, 1024).includes('%PDF-')) return 'pdf';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return sniffZip(bytes, expected);
  if (isCfb(bytes)) {
    // Encrypted OOXML shares this container with legacy binary Office files; decryption tells them apart.
    if (['.doc', '.xls', '.ppt'].includes(ext)) throw problems.legacyOffice();
    return 'encrypted-office';
  }
  if (isScanImage(bytes)) return 'image';
  const binary = unsupportedBinary(bytes);
  if (binary) throw problems.unsupported(`This file is ${binary}, which Lockstep cannot index. Add documents with text (PDF, Word, PowerPoint, Excel, EPUB, HTML, Markdown, text).`);
  const head = ascii(bytes, 65_536);
  if (expected === 'pdf' && /\b(?:obj|endobj|xref|trailer|startxref)\b/.test(head)) throw problems.corruptPdf('it does not start with a PDF header');
  if (looksBinary(bytes)) {
    if (expected === 'pdf') throw problems.corruptPdf('it does not start with a PDF header');
    if (expected && zipFormats.has(expected)) throw problems.corruptArchive(formatNames[expected], 'it is not a zip package, as every such file is');
    throw problems.unsupported(`Lockstep does not recognise the format of this file${ext ? ` (${ext})` : ''}. Add PDF, Word, PowerPoint, Excel, EPUB, HTML, Markdown or text files.`);
  }
  if (textExtensions[ext]) return textExtensions[ext];
  if (/^\s*(<!doctype html|<html)/i.test(head.slice(0, 512).replace(/^\uFEFF|^\xEF\xBB\xBF/, ''))) return 'html';
  return 'text';
}

export function detectFormat(bytes: Uint8Array, fileName: string): Detected {
  const ext = path.extname(fileName).toLowerCase();
  if (bytes.length === 0) throw problems.empty('file');
  const expected = binaryExtensions[ext] ?? textExtensions[ext] ?? null;
  const format = sniff(bytes, ext, expected);
  return { format, note: format === 'encrypted-office' ? null : mismatchNote(ext, expected, format) };
}

/** The note for a file whose extension names another format than its content (null when they agree). */
export function mismatchNote(ext: string, expected: DocumentFormat | null, actual: DocumentFormat): string | null {
  if (!expected || expected === actual) return null;
  // Within plain-text formats the extension decides, so there is nothing to note.
  if (!binaryExtensions[ext] && !zipFormats.has(actual) && actual !== 'pdf') return null;
  return `This file's name ends in ${ext}, but it is ${withArticle(actual)}, so Lockstep read it as one.`;
}

/** What a name suggests, for messages before the content is known (encrypted Office files). */
export const formatByName = (fileName: string): DocumentFormat | null => binaryExtensions[path.extname(fileName).toLowerCase()] ?? null;
