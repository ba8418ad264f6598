import type { Language, MessageKey, Translate } from '../../i18n';

const translatedErrors: Record<string, MessageKey> = {
  password_required: 'documentError.passwordRequired',
  wrong_password: 'documentError.wrongPassword',
  corrupt_file: 'documentError.corruptFile',
  no_text_layer: 'documentError.noTextLayer',
  garbled_text_layer: 'documentError.garbledTextLayer',
  unsupported_format: 'documentError.unsupportedFormat',
  file_too_large: 'documentError.fileTooLarge',
  pages_without_text: 'documentError.pagesWithoutText',
  corrupt_archive: 'documentError.corruptArchive',
  corrupt_pdf: 'documentError.corruptPdf',
  corrupt_document: 'documentError.corruptDocument',
  too_large: 'documentError.tooLarge',
  zip_limits_exceeded: 'documentError.zipLimitsExceeded',
  out_of_memory: 'documentError.outOfMemory',
  parser_crashed: 'documentError.parserCrashed',
  parse_stalled: 'documentError.parseStalled',
  file_unreadable: 'documentError.fileUnreadable',
  no_text: 'documentError.noText',
  unsupported_encryption: 'documentError.unsupportedEncryption',
  format_mismatch: 'documentError.formatMismatch',
  ocr_low_confidence: 'documentError.ocrLowConfidence',
};

/** The reason codes the UI translates (ingestion's codes must all be here; a test checks). */
export const translatedDocumentErrorCodes = Object.keys(translatedErrors);

/** Limits whose server sentence gives sizes: the translation repeats them (a stored reason is only code and sentence). */
const sizedErrors: Record<string, { pattern: RegExp; key: MessageKey; names: string[] }> = {
  too_large: {
    pattern: /is ([\d.]+ MB) but its part (\S+) expands to ([\d.]+ MB); Lockstep reads parts of up to ([\d.]+ MB)/,
    key: 'documentError.tooLargeSizes',
    names: ['file', 'part', 'size', 'cap'],
  },
  file_too_large: { pattern: /This file is ([\d.]+ MB); Lockstep indexes files up to ([\d.]+ MB)/, key: 'documentError.fileTooLargeSizes', names: ['size', 'cap'] },
};

/** Why a document is not (fully) indexed: the server's specific sentence in English, the UI's translation otherwise. */
export function documentErrorText(code: string | null, message: string, language: Language, t: Translate): string {
  const key = code === null ? undefined : translatedErrors[code];
  if (language === 'en' || !key) return message;
  const sized = sizedErrors[code!];
  const sizes = sized?.pattern.exec(message);
  return sized && sizes ? t(sized.key, Object.fromEntries(sized.names.map((name, i) => [name, sizes[i + 1]]))) : t(key);
}
