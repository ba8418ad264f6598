import os from 'node:os';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { AppError } from '../../../shared/errors';
import type { ThreadBudget } from '../thread-budget';
import { languageFolder, ocrLanguageCodes, type OcrLanguageCode } from './languages';

// A pool of tesseract.js workers of its own (sized to the cores), fed one page image at a time; abort() stops all of
// them mid-page, since terminating a worker is the only way to interrupt a recognition. Under the ingestion thread
// budget, one recognition runs on the slot of the file being read and every further one needs a free slot, so two
// scanned files at once never run more recognitions than the budget has cores. Once nothing has been recognised for
// OCR_IDLE_MS the workers are terminated (each holds its language models, ~100 MB), and started again on demand.

export interface OcrWord {
  text: string;
  confidence: number;
  /** Pixel box in the recognised image: left, top, right, bottom. */
  box: [number, number, number, number];
}

export interface OcrLine {
  text: string;
  words: OcrWord[];
}

export interface OcrPage {
  /** Mean word confidence, 0–100 (tesseract's own page confidence). */
  confidence: number;
  /** Paragraphs in reading order, each as its lines. */
  paragraphs: OcrLine[][];
  width: number;
  height: number;
}

/** Worker threads for OCR: every core, as OCR is the slow part of a scanned document; at least one. */
export const defaultOcrThreads = () => Math.max(1, os.availableParallelism());

/** Idle time after which the pool lets its workers go: long enough to keep them across a folder of scans. */
export const OCR_IDLE_MS = 60_000;

/** What the pool needs of a tesseract.js worker. */
export type OcrWorker = Pick<Worker, 'recognize' | 'terminate'>;

export interface OcrPoolOptions {
  /** Workers are terminated after this long without a recognition, and started again by the next one. */
  idleMs?: number;
  /** Starts `count` workers reading `languages` (tesseract.js by default; tests pass their own). */
  startWorkers?: (languages: OcrLanguageCode[], count: number) => Promise<OcrWorker[]>;
}

async function startTesseract(languages: OcrLanguageCode[], count: number): Promise<OcrWorker[]> {
  const languageData = await languageFolder(languages);
  // cacheMethod 'none': the data comes from node_modules, nothing is written beside the app; each worker has read
  // its languages once created, so the folder goes right after.
  const workers = await Promise.all(
    Array.from({ length: count }, () => createWorker(languages, OEM.LSTM_ONLY, { langPath: languageData.folder, cacheMethod: 'none', gzip: true, errorHandler: () => undefined })),
  ).finally(() => languageData.dispose());
  for (const worker of workers) await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO, user_defined_dpi: '300' });
  return workers;
}

export class OcrPool {
  private workers: Promise<OcrWorker[]> | null = null;
  private idle: OcrWorker[] = [];
  private readonly waiting: ((worker: OcrWorker) => void)[] = [];
  /** Recognitions asked for and not yet settled; the idle timer runs only at zero. */
  private active = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly startWorkers: NonNullable<OcrPoolOptions['startWorkers']>;
  private aborted = false;
  /** Rejects on abort(): a terminated tesseract worker never settles the recognitions it was running. */
  private readonly abortion: Promise<never>;
  private rejectAll!: (error: AppError) => void;
  /** The file's own slot (its parser thread waits on OCR meanwhile) is running a recognition. */
  private ownSlotBusy = false;
  private readonly slotWaiters: (() => void)[] = [];

  readonly languages: OcrLanguageCode[];

  constructor(
    languages: OcrLanguageCode[],
    private readonly threads = defaultOcrThreads(),
    /** The ingestion thread budget shared with other files; null: up to `threads` recognitions at once. */
    private readonly budget: ThreadBudget | null = null,
    options: OcrPoolOptions = {},
  ) {
    this.idleMs = options.idleMs ?? OCR_IDLE_MS;
    this.startWorkers = options.startWorkers ?? startTesseract;
    this.languages = ocrLanguageCodes.filter((code) => languages.includes(code)); // the one order tesseract.js loads reliably
    this.abortion = new Promise<never>((_, reject) => (this.rejectAll = reject));
    this.abortion.catch(() => undefined);
  }

  private start(): Promise<OcrWorker[]> {
    this.workers ??= this.startWorkers(this.languages, this.threads).then((workers) => {
      this.idle.push(...workers);
      return workers;
    });
    return this.workers;
  }

  /** Whether tesseract workers are started (or starting): false before the first page and after an idle release. */
  get started(): boolean {
    return this.workers !== null;
  }

  /** Lets every worker go once the pool has had nothing to do for idleMs; the next recognition starts them again. */
  private scheduleRelease(): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const workers = this.workers;
      if (this.active > 0 || this.aborted || !workers) return;
      this.workers = null;
      this.idle = [];
      void workers.then((all) => Promise.all(all.map((w) => w.terminate().catch(() => undefined)))).catch(() => undefined);
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private async acquire(): Promise<OcrWorker> {
    if (this.aborted) throw cancelled();
    await Promise.race([this.start(), this.abortion]);
    const worker = this.idle.pop();
    if (worker) return worker;
    return Promise.race([new Promise<OcrWorker>((resolve) => this.waiting.push(resolve)), this.abortion]);
  }

  private release(worker: OcrWorker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  /** A core to recognise on: the file's own slot, else a free one of the budget, waiting for either. */
  private async takeSlot(): Promise<'own' | 'budget' | 'unbudgeted'> {
    for (;;) {
      if (this.aborted) throw cancelled();
      if (!this.ownSlotBusy) {
        this.ownSlotBusy = true;
        return 'own';
      }
      if (!this.budget) return 'unbudgeted';
      if (this.budget.tryTake()) return 'budget';
      // Woken when a recognition here ends; slots other files give back are found then.
      await Promise.race([new Promise<void>((resolve) => this.slotWaiters.push(resolve)), this.abortion]);
    }
  }

  private giveSlot(slot: 'own' | 'budget' | 'unbudgeted'): void {
    if (slot === 'own') this.ownSlotBusy = false;
    else if (slot === 'budget') this.budget!.give();
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  /** Recognises one PNG/JPEG/TIFF image. */
  async recognize(image: Uint8Array): Promise<OcrPage> {
    this.active++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      return await this.recognizeOnSlot(image);
    } finally {
      if (--this.active === 0 && !this.aborted) this.scheduleRelease();
    }
  }

  private async recognizeOnSlot(image: Uint8Array): Promise<OcrPage> {
    const slot = await this.takeSlot();
    try {
      const worker = await this.acquire();
      this.budget?.recognitionStarted();
      try {
        const { data } = await Promise.race([worker.recognize(Buffer.from(image), {}, { blocks: true, text: false }), this.abortion]);
        return toOcrPage(data as unknown as RawPage);
      } finally {
        this.budget?.recognitionFinished();
        this.release(worker);
      }
    } finally {
      this.giveSlot(slot);
    }
  }

  /** Stops every worker now; recognitions in flight reject. */
  async abort(): Promise<void> {
    if (!this.aborted) this.rejectAll(cancelled());
    this.aborted = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const workers = await this.workers?.catch(() => [] as OcrWorker[]);
    await Promise.all((workers ?? []).map((w) => w.terminate().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await this.abort();
  }
}

const cancelled = () => new AppError('cancelled', 'OCR was cancelled.');

interface RawBox { x0: number; y0: number; x1: number; y1: number }
interface RawWord { text: string; confidence: number; bbox: RawBox }
interface RawLine { text: string; words: RawWord[] }
interface RawParagraph { lines: RawLine[] }
interface RawBlock { paragraphs: RawParagraph[] }
interface RawPage { confidence: number; blocks: RawBlock[] | null; imageWidth?: number; imageHeight?: number }

function toOcrPage(raw: RawPage): OcrPage {
  const paragraphs: OcrLine[][] = [];
  let width = 0;
  let height = 0;
  for (const block of raw.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      const lines: OcrLine[] = [];
      for (const line of paragraph.lines) {
        const words = line.words
          .filter((w) => w.text.trim())
          .map((w): OcrWord => ({ text: w.text.trim(), confidence: Math.round(w.confidence), box: [w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1] }));
        for (const w of words) {
          width = Math.max(width, w.box[2]);
          height = Math.max(height, w.box[3]);
        }
        if (words.length) lines.push({ text: line.text.trim(), words });
      }
      if (lines.length) paragraphs.push(lines);
    }
  }
  return { confidence: Math.round(raw.confidence), paragraphs, width: raw.imageWidth ?? width, height: raw.imageHeight ?? height };
}
