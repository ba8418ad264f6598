import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OCR_IDLE_MS, OcrPool, type OcrWorker } from '../../../src/main/ingest/ocr/pool';

// The OCR pool lets its workers go after OCR_IDLE_MS without a recognition and starts them again on demand. Fake
// workers (counted) and a fake clock stand in for tesseract.js and the minute.

function fakeTesseract() {
  const started: number[] = [];
  const terminated: number[] = [];
  const pending: (() => void)[] = [];
  let next = 0;
  const startWorkers = async (_languages: unknown, count: number): Promise<OcrWorker[]> =>
    Array.from({ length: count }, () => {
      const id = next++;
      started.push(id);
      const worker = {
        // Each recognition settles when the test says so, so one can be held in flight.
        recognize: () => new Promise((resolve) => pending.push(() => resolve({ data: { confidence: 90, blocks: [] } }))),
        terminate: async () => {
          terminated.push(id);
        },
      };
      return worker as unknown as OcrWorker;
    });
  // Lets the recognitions asked for reach their workers, then finishes them.
  const settleAll = async () => {
    await vi.advanceTimersByTimeAsync(0);
    while (pending.length) pending.shift()!();
    await vi.advanceTimersByTimeAsync(0);
  };
  return { started, terminated, startWorkers, settleAll };
}

describe('OCR pool idle release', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('terminates its workers a minute after the last page, not while one is being read, and starts them again for the next', async () => {
    expect(OCR_IDLE_MS).toBe(60_000);
    const fake = fakeTesseract();
    const pool = new OcrPool(['eng'], 2, null, { startWorkers: fake.startWorkers });
    try {
      expect(pool.started).toBe(false);
      const pages = [pool.recognize(new Uint8Array(1)), pool.recognize(new Uint8Array(1))];
      await vi.advanceTimersByTimeAsync(0);
      // A recognition in flight for longer than the idle time keeps the workers.
      await vi.advanceTimersByTimeAsync(OCR_IDLE_MS * 2);
      expect(fake.terminated).toEqual([]);
      await fake.settleAll();
      await Promise.all(pages);
      expect(fake.started).toEqual([0, 1]);
      await vi.advanceTimersByTimeAsync(OCR_IDLE_MS - 1);
      expect([pool.started, fake.terminated]).toEqual([true, []]);
      // A page just before the minute is up starts the wait over.
      const again = pool.recognize(new Uint8Array(1));
      await fake.settleAll();
      await again;
      await vi.advanceTimersByTimeAsync(OCR_IDLE_MS - 1);
      expect(fake.terminated).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect([pool.started, fake.terminated.sort()]).toEqual([false, [0, 1]]);
      // The next page starts a fresh pair of workers.
      const later = pool.recognize(new Uint8Array(1));
      await fake.settleAll();
      expect((await later).confidence).toBe(90);
      expect(fake.started).toEqual([0, 1, 2, 3]);
    } finally {
      await pool.close();
    }
    // Closing terminates the new workers and leaves no timer behind.
    expect(fake.terminated.sort()).toEqual([0, 1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
