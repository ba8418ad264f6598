import { MAX_UPLOAD_BYTES } from '../../shared/contract/library';
import { AppError } from '../../shared/errors';

// Uploaded bytes are checked before anything is written: Buffer.from(…, 'base64') silently skips what it cannot
// decode, so a damaged upload would otherwise be stored as a shorter (or empty) file and indexed as if whole.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface UploadedFile {
  name: string;
  bytesBase64: string;
  sizeBytes?: number;
}

/** Decodes every file or throws invalid_upload / file_too_large naming the first bad one; all-or-nothing. */
export function decodeUploads(files: UploadedFile[]): { name: string; bytes: Buffer }[] {
  return files.map((file) => {
    if (!BASE64.test(file.bytesBase64)) {
      throw new AppError('invalid_upload', `${file.name} arrived damaged (its data is not valid base64), so nothing was added. Add it again.`);
    }
    const bytes = Buffer.from(file.bytesBase64, 'base64');
    if (bytes.length > MAX_UPLOAD_BYTES) {
      throw new AppError('file_too_large', `${file.name} is larger than ${MAX_UPLOAD_BYTES / 2 ** 20} MB; add it from the desktop app or the CLI instead.`);
    }
    if (file.sizeBytes !== undefined && bytes.length !== file.sizeBytes) {
      throw new AppError('invalid_upload', `${file.name} arrived incomplete (${bytes.length} of ${file.sizeBytes} bytes), so nothing was added. Add it again.`);
    }
    return { name: file.name, bytes };
  });
}
