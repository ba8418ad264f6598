import { AppError } from '../../shared/errors';

// Every way a file can end, and the error codes that lead to each status.

export type DocumentOutcomeStatus = 'indexed' | 'needs_password' | 'needs_ocr' | 'failed';

const statusByCode: Record<string, DocumentOutcomeStatus> = {
  password_required: 'needs_password',
  wrong_password: 'needs_password',
  no_text_layer: 'needs_ocr',
  garbled_text_layer: 'needs_ocr',
};

/** A file that cannot be indexed as it is; the code says why (and decides the document status), the message says what to do. */
export class IngestProblem extends AppError {
  get status(): DocumentOutcomeStatus {
    return statusByCode[this.code] ?? 'failed';
  }
}

export function statusForCode(code: string): DocumentOutcomeStatus {
  return statusByCode[code] ?? 'failed';
}

export const problems = {
  passwordRequired: (what: string) =>
    new IngestProblem('password_required', `This ${what} is password-protected. Enter its password to index it.`),
  wrongPassword: (what: string) =>
    new IngestProblem('wrong_password', `The password for this ${what} is not correct. Check it and try again.`),
  corrupt: (what: string, detail: string, cause?: unknown) =>
    new IngestProblem('corrupt_file', `This ${what} is damaged and cannot be read (${detail}).`, cause),
  unsupported: (detail: string) => new IngestProblem('unsupported_format', detail),
  empty: (what: string) => new IngestProblem('no_text', `This ${what} contains no text to index.`),
};
