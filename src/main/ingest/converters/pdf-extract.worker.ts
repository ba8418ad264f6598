import { parentPort, workerData } from 'node:worker_threads';
import { extractPage, loadPdfJs, openPdf } from './pdf-document';
import { claimBatch, NEXT_BATCH, PAGES_TAKEN, STOP, type PdfExtractReply, type PdfExtractWorkerData } from './pdf-extract-protocol';
import { ThreadBudget } from '../thread-budget';

// A helper thread of one PDF's conversion: opens its own copy of the document and extracts the batches it claims.

const { bytes, password, state: shared, pageCount, batchPages, windowPages, threadBudget } = workerData as PdfExtractWorkerData;
const budget = threadBudget ? new ThreadBudget(threadBudget) : null;
const state = new Int32Array(shared);
const batches = Math.ceil(pageCount / batchPages);
const reply = (message: PdfExtractReply) => parentPort!.postMessage(message);

/** Resolves true when the helper left to give its thread to a file started since. */
async function run(): Promise<boolean> {
  const doc = await openPdf(await loadPdfJs(), bytes, password);
  try {
    for (;;) {
      if (Atomics.load(state, STOP)) return false;
      // Another file started and the cores are all taken: this helper's thread goes to it, between batches.
      if (budget?.yieldIfOverdrawn()) return true;
      const batch = Atomics.load(state, NEXT_BATCH);
      if (batch >= batches) return false;
      const taken = Atomics.load(state, PAGES_TAKEN);
      if (batch * batchPages >= taken + windowPages) {
        // Far enough ahead of the converter: wait until it takes more pages (or a short timeout, to re-check STOP).
        Atomics.wait(state, PAGES_TAKEN, taken, 50);
        continue;
      }
      if (!claimBatch(state, batch)) continue;
      const last = Math.min(pageCount, (batch + 1) * batchPages);
      for (let number = batch * batchPages + 1; number <= last; number++) reply({ type: 'page', page: await extractPage(doc, number) });
    }
  } finally {
    await doc.destroy();
  }
}

run().then(
  (slotReturned) => reply({ type: 'finished', slotReturned }),
  (error: unknown) => reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
