import { openStore, type Db } from './store/db';
import { SettingsStore } from './settings/settings';

/**
 * Everything a handler, the CLI or a server needs, created once per process for one data folder.
 * Areas add their service here; heavy ones start lazily on first use.
 */
export interface Services {
  dataDir: string;
  db: Db;
  settings: SettingsStore;
  /** Runs on close in reverse order of registration. */
  onClose(cleanup: () => void | Promise<void>): void;
  close(): Promise<void>;
}

export function createServices(options: { dataDir: string; mode?: 'electron' | 'browser' | 'cli' | 'test' }): Services {
  const db = openStore(options.dataDir);
  const cleanups: (() => void | Promise<void>)[] = [];
  let closed = false;
  const services: Services = {
    dataDir: options.dataDir,
    db,
    settings: new SettingsStore(db),
    onClose: (cleanup) => void cleanups.push(cleanup),
    async close() {
      if (closed) return;
      closed = true;
      for (const cleanup of cleanups.reverse()) await cleanup();
      db.close();
    },
  };
  return services;
}
