import type Database from 'better-sqlite3';

// The database handle's type on its own, so modules that migrations use (retrieve's document index) can name it
// without importing db.ts, which imports the migrations.

export type Db = Database.Database;
