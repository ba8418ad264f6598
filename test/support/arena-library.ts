import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { cancelArenaLoads } from '../../src/main/embed/hot-vectors';
import type { Db } from '../../src/main/store/db';

/**
 * A temporary library folder for the vector-arena tests. After all of the file's tests, the connection `current()`
 * returns (if still open) has its arena loads and saves stopped before it closes, and the folder goes, even on failure.
 */
export function arenaLibraryFolder(prefix: string, current: () => Db | undefined): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(async () => {
    try {
      const db = current();
      if (db?.open) {
        await cancelArenaLoads(db);
        db.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  return dataDir;
}
