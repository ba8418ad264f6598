import type { Migration } from './migration';

// Folders the user registered (CLI `lockstep folders add`, the desktop folder picker): files under them may be
// named by any caller of the contract, so the grant must outlive a window and a process.
export const libraryFolders: Migration = {
  version: 4,
  name: 'library_folders',
  up: `CREATE TABLE library_folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    added_at INTEGER NOT NULL
  );`,
};
