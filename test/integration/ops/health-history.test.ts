// The Health view's history on a real SQLite file: the event ring never holds more than its capacity and keeps the
// newest events, minutes are closed once with their gauges and trimmed to their bound, and all of it survives
// closing and reopening the library; and recording never fails an answer.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HealthEvent } from '../../../src/shared/contract/health';
import { tapAnswer } from '../../../src/main/ops/answer-tap';
import { HealthHistory, summarise } from '../../../src/main/ops/health-history';
import { Metrics } from '../../../src/main/ops/metrics';
import { log } from '../../../src/main/platform/log';
import { openStore, type Db } from '../../../src/main/store/db';

const MINUTE = 60_000;
const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  dbs.splice(0).forEach((db) => db.open && db.close());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function library(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-health-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string): Db {
  const db = openStore(dir);
  dbs.push(db);
  return db;
}

const answer = (at: number, ttftMs: number, extra: Partial<HealthEvent> = {}): HealthEvent => ({
  kind: 'answer', at, provider: 'lpu', model: 'm', ttftMs, tokensPerSecond: 20, tokenIntervalP95Ms: 50, retrievalMs: 5, code: null, detail: null, ...extra,
});

describe('HealthHistory', () => {
  it('keeps at most eventRows events, the newest ones, across restarts', () => {
    const dir = library();
    const start = 10 * MINUTE;
    let history = new HealthHistory(open(dir), { eventRows: 50, now: () => start + 200 * 1000 });
    for (let i = 0; i < 80; i++) history.append(answer(start + i * 1000, 100 + i));
    dbs[0]!.close();

    history = new HealthHistory(open(dir), { eventRows: 50, now: () => start + 200 * 1000 });
    for (let i = 80; i < 130; i++) history.append(answer(start + i * 1000, 100 + i));
    const count = (dbs[1]!.prepare('SELECT COUNT(*) AS n FROM health_events').get() as { n: number }).n;
    expect(count).toBe(50);
    const kept = history.events(0).map((e) => e.ttftMs);
    expect(kept).toEqual(Array.from({ length: 50 }, (_, i) => 100 + 80 + i));
  });

  it('closes each minute once with its aggregates and gauges, trims to minuteRows, and reads them after a restart', () => {
    const dir = library();
    let now = 100 * MINUTE + 5_000;
    const gauges = { residentBytes: 123_456_789, workers: 3, ingestQueueDepth: 2 };
    let history = new HealthHistory(open(dir), { minuteRows: 3, gauges: () => gauges, now: () => now });
    for (let minute = 0; minute < 5; minute++) {
      const base = (100 + minute) * MINUTE;
      now = base + 1_000;
      history.append(answer(base + 100, 1000 + minute * 100));
      history.append(answer(base + 200, 3000 + minute * 100));
      history.append({ ...answer(base + 300, 0), kind: 'error', ttftMs: null, code: 'lpu_failed' });
      now = base + MINUTE + 1_000;
      const closed = history.closeMinute();
      expect(closed.minute).toBe(base);
      expect(closed).toMatchObject({ answers: 2, errors: 1, ttftP50Ms: 1000 + minute * 100, ttftP95Ms: 3000 + minute * 100, workers: 3 });
    }
    // Closing the same minute again changes nothing (INSERT OR IGNORE), whatever the gauges say now.
    gauges.workers = 9;
    history.closeMinute();
    const stored = dbs[0]!.prepare('SELECT minute, workers FROM health_minutes ORDER BY minute').all();
    expect(stored).toEqual([102, 103, 104].map((m) => ({ minute: m * MINUTE, workers: 3 })));
    dbs[0]!.close();

    // After a restart the last hour still shows the stored minutes, and the current minute's events computed live.
    now = 105 * MINUTE + 30_000;
    history = new HealthHistory(open(dir), { minuteRows: 3, now: () => now });
    history.append(answer(105 * MINUTE + 10_000, 700));
    const window = history.window(60);
    expect(window.minutes.map((m) => m.minute / MINUTE)).toEqual([100, 101, 102, 103, 104, 105]);
    // Minutes 100 and 101 were trimmed from the table but their events are still in the ring: computed from them.
    expect(window.minutes[0]).toMatchObject({ answers: 2, errors: 1, residentBytes: null });
    expect(window.minutes[2]).toMatchObject({ answers: 2, residentBytes: 123_456_789, ingestQueueDepth: 2 });
    expect(window.minutes.at(-1)).toMatchObject({ answers: 1, ttftP50Ms: 700 });
    expect(window.events).toHaveLength(16);
  });

  it('summarises a window the way the alert thresholds read it', () => {
    const events: HealthEvent[] = [
      ...[100, 200, 300, 400, 5000].map((ttft, i) => answer(i, ttft, { tokenIntervalP95Ms: 10 * (i + 1) })),
      { ...answer(9, 0), kind: 'error', ttftMs: null, code: 'groq_unreachable' },
      { ...answer(10, 0), kind: 'fallback', ttftMs: null, detail: 'groq→lpu' },
      { ...answer(11, 0), kind: 'worker_crash', ttftMs: null, detail: 'lpu' },
    ];
    expect(summarise(events)).toEqual({
      answers: 5, errors: 1, errorRatePct: (100 * 1) / 6, fallbacks: 1, cacheHits: 0, workerCrashes: 1,
      ttftP50Ms: 300, ttftP95Ms: 5000, tokenIntervalP95Ms: 50, tokensPerSecond: 20,
    });
    expect(summarise([])).toMatchObject({ answers: 0, errorRatePct: 0, ttftP95Ms: null });
  });

  it('receives what Metrics records', () => {
    const history = new HealthHistory(open(library()));
    const metrics = new Metrics({
      sources: { workerCount: () => 0, ingestQueueDepth: () => 0, ingestPagesPerSecond: () => 0, residentBytes: () => 0, hotSearches: () => ({ arena: 0, exact: 0, loads: 0 }) },
      onEvent: (event) => history.append(event),
    });
    const seen: HealthEvent[] = [];
    history.onEvent((event) => seen.push(event));
    metrics.recordAnswer({ provider: 'groq', model: 'g', ttftMs: 250, tokenIntervalsMs: [10, 20, 30, 40], tokensPerSecond: 40, retrievalMs: 12, prefillTokensPerSecond: null });
    metrics.recordFallback('groq', 'lpu', 'groq_unreachable');
    expect(history.events(0).map((e) => [e.kind, e.ttftMs, e.tokenIntervalP95Ms, e.detail])).toEqual([
      ['answer', 250, 40, null],
      ['fallback', null, null, 'groq→lpu'],
    ]);
    expect(seen).toHaveLength(2);
  });
});

describe('the answer tap', () => {
  it('never fails an answer when recording fails, and says so in the log', () => {
    const warned = vi.spyOn(log, 'warn').mockImplementation(() => {});
    const closed = () => {
      throw new Error('database is closed');
    };
    const broken = { recordAnswer: closed, recordError: closed, recordFallback() {}, recordCacheHit() {}, recordWorkerCrash() {} };
    const seen: string[] = [];
    const tap = tapAnswer(broken, (event) => seen.push(event.type));
    tap.emit({ type: 'started', threadId: 1, userMessageId: 1, assistantMessageId: 2, provider: 'lpu', model: 'm', query: 'q' });
    tap.emit({ type: 'delta', text: 'Hi' });
    tap.emit({ type: 'done', message: { id: 2, threadId: 1, role: 'assistant', content: 'Hi', status: 'complete', provider: 'lpu', model: 'm', meters: null, error: null, sources: [], uncited: false, createdAt: 0 } });
    tap.failed(new Error('boom'));
    expect(seen).toEqual(['started', 'delta', 'done']);
    expect(warned).toHaveBeenCalledTimes(2);
    warned.mockRestore();
  });
});
