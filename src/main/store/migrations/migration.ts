import type Database from 'better-sqlite3';

// The shape of one migration, apart from the list in index.ts, so each migration names it without importing the list.

export interface Migration {
  version: number;
  name: string;
  /** SQL text, or a function for migrations that need logic; runs inside one transaction. */
  up: string | ((db: Database.Database) => void);
}
