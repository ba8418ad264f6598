import path from 'node:path';
import type { DocumentFormat } from './document';
import { isCfb } from './office-crypto';
import { problems } from './outcome';

// Formats are chosen by content first (magic bytes), with the extension deciding between formats that share a container.

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);
const ascii = (bytes: Uint8Array, length: number) => new TextDecoder('latin1').decode(bytes.subarray(0, length));

const zipFormats: Record<string, DocumentFormat> = { '.docx': 'docx', '.docm': 'docx', '.pptx': 'pptx', '.pptm': 'pptx', '.xlsx': 'xlsx', '.xlsm': 'xlsx', '.epub': 'epub' };
const textFormats: Record<string, DocumentFormat> = {
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.csv': 'csv', '.tsv': 'csv',
};

export type Detected = { format: DocumentFormat } | { format: 'encrypted-office'; inner: DocumentFormat };

/** Known binary formats Lockstep does not read, named so the user knows what they dropped. */
function unsupportedBinary(bytes: Uint8Array): string | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'a PNG image';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'a JPEG image';
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

export function detectFormat(bytes: Uint8Array, fileName: string): Detected {
  const ext = path.extname(fileName).toLowerCase();
  if (bytes.length === 0) throw problems.empty('file');
  if (ascii(bytes, 1024).includes('%PDF-')) return { format: 'pdf' };
  if (ext === '.pdf') throw problems.corrupt('PDF', 'it does not start with a PDF header');
  if (startsWith(bytes, [0x50, 0x4b])) {
    const byExt = zipFormats[ext];
    if (byExt) return { format: byExt };
    const head = ascii(bytes, 2048);
    if (head.includes('mimetypeapplication/epub+zip')) return { format: 'epub' };
    if (head.includes('word/')) return { format: 'docx' };
    if (head.includes('ppt/')) return { format: 'pptx' };
    if (head.includes('xl/')) return { format: 'xlsx' };
    throw problems.unsupported('This is a zip archive, not a document. Unzip it and add the documents inside.');
  }
  if (isCfb(bytes)) {
    const inner = zipFormats[ext];
    if (inner && inner !== 'epub') return { format: 'encrypted-office', inner };
    throw problems.unsupported('This is a legacy binary Office file (.doc/.xls/.ppt), which Lockstep cannot read. Save it as .docx, .xlsx or .pptx and add it again.');
  }
  const binary = unsupportedBinary(bytes);
  if (binary) throw problems.unsupported(`This file is ${binary}, which Lockstep cannot index. Add documents with text (PDF, Word, PowerPoint, Excel, EPUB, HTML, Markdown, text).`);
  if (textFormats[ext]) return { format: textFormats[ext] };
  if (looksBinary(bytes)) throw problems.unsupported(`Lockstep does not recognise the format of this file${ext ? ` (${ext})` : ''}. Add PDF, Word, PowerPoint, Excel, EPUB, HTML, Markdown or text files.`);
  if (/^\s*(<!doctype html|<html)/i.test(ascii(bytes, 512).replace(/^\uFEFF|^\xEF\xBB\xBF/, ''))) return { format: 'html' };
  return { format: 'text' };
}
