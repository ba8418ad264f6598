import { unzipSync } from 'fflate';
import type { IngestLimits } from './document';
import { IngestProblem, problems } from './outcome';

// Zip containers (OOXML, EPUB) are opened with guards: entry count, total uncompressed size, compression ratio,
// and entry names that would escape a folder are ignored.

const MAX_RATIO = 1000;

export function isUnsafeEntryPath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[a-z]:/i.test(name) || name.split(/[\\/]/).includes('..');
}

function zipBomb(detail: string) {
  return new IngestProblem('zip_limits_exceeded', `This file expands to ${detail}, more than Lockstep accepts from one document.`);
}

/**
 * Extracts the entries `wanted` accepts, after checking the whole archive against the limits.
 * `what` names the format in messages ("Word document").
 */
export function unzipGuarded(bytes: Uint8Array, limits: IngestLimits, what: string, wanted: (name: string) => boolean = () => true): Map<string, Uint8Array> {
  let entries = 0;
  let declaredTotal = 0;
  let bomb: IngestProblem | null = null;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(file) {
        entries++;
        declaredTotal += file.originalSize;
        if (entries > limits.maxZipEntries) bomb ??= zipBomb(`more than ${limits.maxZipEntries} entries`);
        if (declaredTotal > limits.maxUnzippedBytes) bomb ??= zipBomb(`more than ${Math.round(limits.maxUnzippedBytes / 2 ** 20)} MB`);
        if (file.size > 0 && file.originalSize / file.size > MAX_RATIO && file.originalSize > 10 * 2 ** 20) bomb ??= zipBomb('an implausible compression ratio');
        return !bomb && !isUnsafeEntryPath(file.name) && wanted(file.name);
      },
    });
  } catch (cause) {
    if (bomb) throw bomb;
    const message = (cause as Error)?.message ?? '';
    const detail = /invalid zip/i.test(message) ? 'the zip archive is truncated or not a zip file: no end-of-central-directory record' : `the zip archive could not be read: ${message}`;
    throw problems.corrupt(what, detail, cause);
  }
  if (bomb) throw bomb;
  let actualTotal = 0;
  const result = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    actualTotal += data.length;
    result.set(name, data);
  }
  // Declared sizes can lie; the real output is checked too.
  if (actualTotal > limits.maxUnzippedBytes) throw zipBomb(`more than ${Math.round(limits.maxUnzippedBytes / 2 ** 20)} MB`);
  return result;
}

export const utf8Text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : '');
