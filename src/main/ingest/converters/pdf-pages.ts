import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { log } from '../../platform/log';
import { startWorker } from '../../platform/workers';
import { extractPage, type ExtractedPage, type PdfDocument } from './pdf-document';
import { claimBatch, NEXT_BATCH, PAGES_TAKEN, STATE_SLOTS, STOP, type PdfExtractReply, type PdfExtractWorkerData } from './pdf-extract-protocol';
import type { ThreadBudget } from '../thread-budget';

// The pages of one PDF in order. Long documents are extracted in parallel: helper threads claim batches of pages from
// a shared counter and the converter claims the next batch itself whenever the page it needs is still unclaimed, so
// the work balances without a scheduler; while a helper still holds the page it needs, the converter extracts a later
// batch instead of idling. Layout stays on the converter's thread, which consumes pages in order.

/** Below this many pages, starting a helper thread (and its copy of pdfjs) costs more than it saves. */
export const PARALLEL_MIN_PAGES = 24;
const BATCH_PAGES = 4;
/** Helpers never run more than this many pages ahead of the converter, so memory stays flat in the document's length. */
const WINDOW_PAGES = 48;

export interface PageSourceOptions {
  /** Helper threads besides the converter's own; default: one per spare core, at most 3. */
  helpers?: number;
  /** Helpers then run only on free slots of this budget (default: the one installed with useThreadBudget, if any). */
  budget?: ThreadBudget | null;
}

let installedBudget: ThreadBudget | null = null;

/** Makes every PDF read in this thread start its helpers on free slots of a budget shared with other parsers. */
export function useThreadBudget(budget: ThreadBudget | null): void {
  installedBudget = budget;
}

export class PdfPageSource {
  private readonly state: Int32Array;
  private readonly ready = new Map<number, ExtractedPage>();
  private readonly workers: Worker[] = [];
  private live = 0;
  private helperFailed = false;
  private wake: (() => void) | null = null;
  private fromHelpers = 0;
  private readonly batches: number;
  private readonly wanted: number;
  private readonly budget: ThreadBudget | null;
  private readonly bytes: Uint8Array;
  private readonly password: string | undefined;

  constructor(
    private readonly doc: PdfDocument,
    bytes: Uint8Array,
    password: string | undefined,
    private readonly pageCount: number,
    options: PageSourceOptions = {},
  ) {
    this.state = new Int32Array(new SharedArrayBuffer(STATE_SLOTS * Int32Array.BYTES_PER_ELEMENT));
    this.batches = Math.ceil(pageCount / BATCH_PAGES);
    this.budget = options.budget === undefined ? installedBudget : options.budget;
    this.wanted = pageCount < PARALLEL_MIN_PAGES ? 0 : (options.helpers ?? Math.min(3, os.availableParallelism() - 1));
    this.bytes = bytes;
    this.password = password;
    this.topUp();
  }

  /** Starts helpers up to the wanted number while slots are free and enough unclaimed pages are left to pay for one. */
  private topUp(): void {
    const unclaimed = () => this.pageCount - Atomics.load(this.state, NEXT_BATCH) * BATCH_PAGES;
    while (this.live < this.wanted && !this.helperFailed && unclaimed() >= PARALLEL_MIN_PAGES) {
      if (this.budget && !this.budget.tryTake()) return;
      if (!this.startHelper(this.bytes, this.password)) {
        this.budget?.give();
        return;
      }
    }
  }

  /** Pages the helper threads have delivered so far. */
  get pagesFromHelpers(): number {
    return this.fromHelpers;
  }

  /** How many helper threads are extracting pages now. */
  get helperCount(): number {
    return this.live;
  }

  /** Starts one helper (holding a budget slot when there is a budget); false when it could not start. */
  private startHelper(bytes: Uint8Array, password: string | undefined): boolean {
    const workerData: PdfExtractWorkerData = {
      bytes: new Uint8Array(bytes), password, state: this.state.buffer as SharedArrayBuffer, pageCount: this.pageCount, batchPages: BATCH_PAGES, windowPages: WINDOW_PAGES,
      threadBudget: this.budget?.buffer ?? null,
    };
    let worker: Worker;
    try {
      worker = startWorker('ingest/converters/pdf-extract.worker.ts', { workerData });
    } catch (error) {
      log.warn('pdf: page-extraction helper could not start; extracting on one thread', error);
      return false;
    }
    this.live++;
    this.workers.push(worker);
    const settle = (failed: boolean) => {
      if (failed) this.helperFailed = true;
      this.live--;
      this.signal();
    };
    let settled = false;
    let slotReturned = false;
    worker.on('message', (reply: PdfExtractReply) => {
      if (reply.type === 'page') {
        this.fromHelpers++;
        this.ready.set(reply.page.number, reply.page);
      }
      else if (!settled) {
        settled = true;
        slotReturned = reply.type === 'finished' && reply.slotReturned;
        if (reply.type === 'failed') log.warn(`pdf: page-extraction helper failed (${reply.message}); the converter extracts the rest`);
        settle(reply.type === 'failed');
        return;
      }
      this.signal();
    });
    worker.on('error', (error) => log.warn('pdf: page-extraction helper crashed; the converter extracts the rest', error));
    worker.on('exit', () => {
      // Exactly one give per helper: unless it gave its slot back itself, its thread's slot is free once it is gone.
      if (!slotReturned) this.budget?.give();
      if (settled) return;
      settled = true;
      settle(true);
    });
    return true;
  }

  private signal() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Page `number` (1-based); pages must be taken in order. */
  async take(number: number): Promise<ExtractedPage> {
    const batch = Math.floor((number - 1) / BATCH_PAGES);
    // Slots freed by a file that finished go to this document's helpers again.
    if (this.budget && (number - 1) % BATCH_PAGES === 0) this.topUp();
    for (;;) {
      const page = this.ready.get(number);
      if (page) {
        this.ready.delete(number);
        return this.taken(page);
      }
      if (claimBatch(this.state, batch)) {
        await this.extractBatch(batch);
        continue;
      }
      // Claimed by a helper that has gone away: this thread reads the page itself.
      if (this.helperFailed || this.live === 0) return this.taken(await extractPage(this.doc, number));
      // A helper has the page in hand: rather than idle, take the next unclaimed batch within the window.
      const next = Atomics.load(this.state, NEXT_BATCH);
      if (next < this.batches && next * BATCH_PAGES < number + WINDOW_PAGES && claimBatch(this.state, next)) {
        await this.extractBatch(next);
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async extractBatch(batch: number): Promise<void> {
    const last = Math.min(this.pageCount, (batch + 1) * BATCH_PAGES);
    for (let n = batch * BATCH_PAGES + 1; n <= last; n++) this.ready.set(n, await extractPage(this.doc, n));
  }

  private taken(page: ExtractedPage): ExtractedPage {
    Atomics.store(this.state, PAGES_TAKEN, page.number);
    Atomics.notify(this.state, PAGES_TAKEN);
    return page;
  }

  /** Stops the helpers; safe to call more than once. */
  async close(): Promise<void> {
    Atomics.store(this.state, STOP, 1);
    Atomics.notify(this.state, PAGES_TAKEN);
    this.state[NEXT_BATCH] = this.batches;
    await Promise.all(this.workers.splice(0).map((worker) => worker.terminate()));
  }
}
