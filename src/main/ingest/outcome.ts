import { AppError } from '../../shared/errors';

// Every way a file can end, the reason codes that lead to each status, and the plain sentences behind them.
// Damage (corrupt_*) and limits (too_large, zip_limits_exceeded, file_too_large, out_of_memory) are never confused.

export type DocumentOutcomeStatus = 'indexed' | 'needs_password' | 'needs_ocr' | 'failed';

const statusByCode: Record<string, DocumentOutcomeStatus> = {
  password_required: 'needs_password',
  wrong_password: 'needs_password',
  no_text_layer: 'needs_ocr',
  garbled_text_layer: 'needs_ocr',
  ocr_low_confidence: 'needs_ocr',
};

/** Every reason code ingestion can give a document (failures and notices); the renderer translates each one. */
export const ingestReasonCodes = [
  'password_required',
  'wrong_password',
  'unsupported_encryption',
  'no_text_layer',
  'garbled_text_layer',
  'no_text',
  'unsupported_format',
  'file_unreadable',
  'file_too_large',
  'too_large',
  'zip_limits_exceeded',
  'out_of_memory',
  'corrupt_archive',
  'corrupt_pdf',
  'corrupt_document',
  'parse_stalled',
  'parser_crashed',
  'pages_without_text',
  'format_mismatch',
  'ocr_low_confidence',
] as const;

export type IngestReasonCode = (typeof ingestReasonCodes)[number];

/** A file that cannot be indexed as it is; the code says why (and decides the document status), the message says what to do. */
export class IngestProblem extends AppError {
  constructor(code: IngestReasonCode, message: string, cause?: unknown) {
    super(code, message, cause);
  }

  get status(): DocumentOutcomeStatus {
    return statusByCode[this.code] ?? 'failed';
  }
}

export function statusForCode(code: string): DocumentOutcomeStatus {
  return statusByCode[code] ?? 'failed';
}

const megabytes = (bytes: number) => (bytes >= 10 * 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${(bytes / 2 ** 20).toFixed(1)} MB`);
const resave = 'Open it in the program that made it, save a new copy and add that.';

export const problems = {
  passwordRequired: (what: string) =>
    new IngestProblem('password_required', `This ${what} is password-protected. Enter its password to index it.`),
  wrongPassword: (what: string) =>
    new IngestProblem('wrong_password', `The password for this ${what} is not correct. Check it and try again.`),
  /** The zip container of an Office file or EPUB is damaged (truncated, bad checksums, inconsistent directory). */
  corruptArchive: (what: string, detail: string, cause?: unknown) =>
    new IngestProblem('corrupt_archive', `This ${what} is damaged: ${detail}. ${resave}`, cause),
  corruptPdf: (detail: string, cause?: unknown) =>
    new IngestProblem('corrupt_pdf', `This PDF is damaged: ${detail}. Open it in a PDF reader and save or print it to a new PDF, then add that.`, cause),
  /** The container is intact but the content inside it is malformed or missing. */
  corruptDocument: (what: string, detail: string, cause?: unknown) =>
    new IngestProblem('corrupt_document', `This ${what} is damaged: ${detail}. ${resave}`, cause),
  unsupported: (detail: string) => new IngestProblem('unsupported_format', detail),
  legacyOffice: () =>
    new IngestProblem('unsupported_format', 'This is a legacy binary Office file (.doc/.xls/.ppt), which Lockstep cannot read. Save it as .docx, .xlsx or .pptx and add it again.'),
  empty: (what: string) => new IngestProblem('no_text', `This ${what} contains no text to index.`),
  /** One part of a package expands past the per-part cap (the sizes are real, not guessed). */
  partTooLarge: (what: string, part: string, partBytes: number, fileBytes: number, capBytes: number) =>
    new IngestProblem(
      'too_large',
      `This ${what} is ${megabytes(fileBytes)} but its part ${part} expands to ${megabytes(partBytes)}; Lockstep reads parts of up to ${megabytes(capBytes)}. Split the document into smaller files and add those.`,
    ),
  zipLimits: (what: string, detail: string) =>
    new IngestProblem('zip_limits_exceeded', `This ${what} ${detail}, more than Lockstep accepts from one document. Split it into smaller files and add those.`),
  fileTooLarge: (fileBytes: number, capBytes: number) =>
    new IngestProblem('file_too_large', `This file is ${megabytes(fileBytes)}; Lockstep indexes files up to ${megabytes(capBytes)}.`),
  outOfMemory: (limitMb: number) =>
    new IngestProblem(
      'out_of_memory',
      `Reading this file needed more than the ${limitMb} MB of memory Lockstep gives its document reader, so it was stopped. Split the document into smaller files and add those.`,
    ),
  /** `how` says what happened to the reader ("exited with code 3", "hit an internal error"). */
  readerCrashed: (how: string) =>
    new IngestProblem(
      'parser_crashed',
      `The document reader ${how} while reading this file, so Lockstep stopped. The file may be damaged; try re-indexing it, or save a new copy and add that.`,
    ),
};

/** Part names come from the file itself: only show them when they are short, plain text. */
export const partName = (name: string) => (/^[\x20-\x7e]{1,80}$/.test(name) ? name : 'one of its parts');
