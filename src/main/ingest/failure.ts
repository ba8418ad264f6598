import { formatNames } from './detect';
import type { DocumentFormat } from './document';
import { IngestProblem, problems } from './outcome';

// Turns whatever a parser library threw into a reason code and a plain sentence; the library's own words (class
// names, messages, stacks) only ever reach the log.

const exhausted = /invalid string length|invalid array length|array buffer allocation failed|allocation failed|out of memory|ERR_BUFFER_TOO_LARGE|ERR_STRING_TOO_LONG/i;

/** The raw error as one log line: class, message and the first frames of its stack. */
export function describeForLog(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (cause: ${describeForLog(error.cause)})` : '';
    return `${error.stack?.split('\n').slice(0, 4).join(' | ') ?? `${error.name}: ${error.message}`}${cause}`;
  }
  return String(error);
}

export function explainFailure(caught: unknown, format: DocumentFormat | null, fileBytes: number): { problem: IngestProblem; logDetail: string | null } {
  if (caught instanceof IngestProblem) return { problem: caught, logDetail: caught.cause === undefined ? null : describeForLog(caught.cause) };
  const what = format ? formatNames[format] : 'file';
  const message = caught instanceof Error ? `${caught.name} ${caught.message} ${(caught as NodeJS.ErrnoException).code ?? ''}` : String(caught);
  const logDetail = describeForLog(caught);
  if (exhausted.test(message)) {
    const size = fileBytes >= 2 ** 20 ? ` (${Math.round(fileBytes / 2 ** 20)} MB)` : '';
    return {
      problem: new IngestProblem('too_large', `This ${what}${size} holds more content than Lockstep can hold in memory at once. Split it into smaller files and add those.`, caught),
      logDetail,
    };
  }
  if (/maximum call stack/i.test(message)) {
    return { problem: problems.corruptDocument(what, 'its structure is nested too deeply to read', caught), logDetail };
  }
  if (format === 'pdf') return { problem: problems.corruptPdf('its structure or content streams cannot be read', caught), logDetail };
  return { problem: problems.corruptDocument(what, 'its content cannot be read', caught), logDetail };
}
