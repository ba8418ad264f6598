import { describe, expect, it } from 'vitest';
import { openStore, storeVersions } from '../../../src/main/store/db';
import { migrations } from '../../../src/main/store/migrations/index';
import { tempStoreDirs } from './temp-store';

const tempDir = tempStoreDirs('lockstep-0009-');

describe('migration 0009_health_history on a real SQLite file', () => {
  it('adds the event ring and the minute table beside existing data, and the window query uses the time index', () => {
    const dir = tempDir();
    const before = openStore(dir, { migrations: migrations.filter((m) => m.version < 9) });
    before.prepare("INSERT INTO settings (key, value_json) VALUES ('topK', '5')").run();
    before.close();

    const db = openStore(dir, { migrations: migrations.filter((m) => m.version <= 9) });
    expect(storeVersions(db).schema).toBe(9);
    expect(db.prepare("SELECT value_json FROM settings WHERE key = 'topK'").get()).toEqual({ value_json: '5' });
    db.prepare("INSERT INTO health_events (slot, seq, kind, at) VALUES (1, 1, 'answer', 1000)").run();
    expect(() => db.prepare("INSERT INTO health_events (slot, seq, kind, at) VALUES (2, 2, 'exploded', 1000)").run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare("INSERT INTO health_events (slot, seq, kind, at) VALUES (3, 1, 'answer', 1000)").run()).toThrow(/UNIQUE/);
    db.prepare('INSERT INTO health_minutes (minute, answers, errors, fallbacks, cache_hits, worker_crashes) VALUES (60000, 1, 0, 0, 0, 0)').run();
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT * FROM health_events WHERE at >= ? AND at < ? ORDER BY at, seq').all(0, 1) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX health_events_by_time/);
    db.close();
  });
});
