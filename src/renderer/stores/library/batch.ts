import type { LibraryDocument } from '../../../shared/contract/library';

/** The files queued since the library was last idle: how many are done, and how fast pages are being read. */
export interface IngestBatch {
  ids: number[];
  startedAt: number | null;
  done: number;
  total: number;
  pages: number;
  pagesPerSecond: number | null;
}

export const idleBatch: IngestBatch = { ids: [], startedAt: null, done: 0, total: 0, pages: 0, pagesPerSecond: null };

const active = (d: LibraryDocument | undefined) => d !== undefined && (d.status === 'queued' || d.status === 'processing' || d.progress !== null);

/** Folds the library's documents into the running batch; the batch ends (resets) when nothing is left to do. */
export function trackBatch(previous: IngestBatch, documents: Record<number, LibraryDocument>, now: number): IngestBatch {
  const running = Object.values(documents).filter(active);
  if (running.length === 0) return idleBatch;
  const ids = [...new Set([...previous.ids, ...running.map((d) => d.id)])];
  const startedAt = previous.startedAt ?? now;
  // A removed or cancelled file counts as done: it no longer stands between the user and an idle library.
  const done = ids.filter((id) => !active(documents[id])).length;
  const pages = ids.reduce((sum, id) => {
    const d = documents[id];
    return sum + (!d ? 0 : d.progress ? d.progress.pagesDone : d.status === 'indexed' ? (d.pageCount ?? 0) : 0);
  }, 0);
  const seconds = (now - startedAt) / 1000;
  // No rate until a page has been read: "0.0 pages/s" while the first file opens reads as stuck.
  return { ids, startedAt, done, total: ids.length, pages, pagesPerSecond: seconds >= 1 && pages > 0 ? pages / seconds : null };
}
