import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { migrations as allMigrations, type Migration } from './migrations/index';
import { makeDataDirPrivate } from './permissions';
import type { Db } from './types';

export type { Db } from './types';

export const DATABASE_FILE = 'lockstep.sqlite';

/** Opens (creating if needed) the database in a data folder, with sqlite-vec loaded and every migration applied. */
export function openStore(dataDir: string, options: { migrations?: Migration[]; readonly?: boolean } = {}): Db {
  const file = path.join(dataDir, DATABASE_FILE);
  // A read-only open (a second process peeking) leaves modes to the process that owns the library.
  if (!options.readonly) makeDataDirPrivate(dataDir, DATABASE_FILE);
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false });
  } catch (cause) {
    throw new AppError('store_open_failed', `Could not open the Lockstep database at ${file}.`, cause);
  }
  sqliteVec.load(db);
  // First, so that a second process opening the same new library waits for locks instead of failing; 30 s because
  // another writer's vector batch can hold the lock for seconds on a loaded two-core machine (5 s failed a CI run).
  db.pragma('busy_timeout = 30000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  if (!options.readonly) migrate(db, options.migrations ?? allMigrations);
  return db;
}

/** Applies pending migrations in version order, each in its own transaction, recording progress in user_version. */
export function migrate(db: Db, migrations: Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new AppError('store_too_new', `This database was written by a newer Lockstep (schema ${current}); update Lockstep to open it.`);
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Another process opening the same library may have applied it while this one waited for the write lock.
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

export function storeVersions(db: Db): { sqlite: string; sqliteVec: string; schema: number } {
  const row = db.prepare('SELECT sqlite_version() AS sqlite, vec_version() AS vec').get() as { sqlite: string; vec: string };
  return { sqlite: row.sqlite, sqliteVec: row.vec, schema: db.pragma('user_version', { simple: true }) as number };
}
