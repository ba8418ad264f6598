import type { Migration } from './migration';

// The Health view's history: recorded events in a fixed-size ring (slot = seq mod capacity) and per-minute
// aggregates with the process gauges sampled at each minute's end (trimmed to the newest rows by the writer).
export const healthHistory: Migration = {
  version: 9,
  name: 'health_history',
  up: `
    CREATE TABLE health_events (
      slot                   INTEGER PRIMARY KEY,
      seq                    INTEGER NOT NULL UNIQUE,
      kind                   TEXT NOT NULL CHECK (kind IN ('answer','error','fallback','cache_hit','worker_crash')),
      at                     INTEGER NOT NULL,
      provider               TEXT,
      model                  TEXT,
      ttft_ms                REAL,
      tokens_per_s           REAL,
      token_interval_p95_ms  REAL,
      retrieval_ms           REAL,
      code                   TEXT,
      detail                 TEXT
    );
    CREATE INDEX health_events_by_time ON health_events (at);

    CREATE TABLE health_minutes (
      minute                 INTEGER PRIMARY KEY,
      answers                INTEGER NOT NULL,
      errors                 INTEGER NOT NULL,
      fallbacks              INTEGER NOT NULL,
      cache_hits             INTEGER NOT NULL,
      worker_crashes         INTEGER NOT NULL,
      ttft_p50_ms            REAL,
      ttft_p95_ms            REAL,
      token_interval_p95_ms  REAL,
      tokens_per_s           REAL,
      resident_bytes         INTEGER,
      workers                INTEGER,
      ingest_queue_depth     INTEGER
    );
  `,
};
