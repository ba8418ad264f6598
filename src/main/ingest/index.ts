import type { ActiveEmbedding } from '../embed/service';
import { locateEmbedder } from '../embed/models';
import type { Settings } from '../../shared/settings';
import type { Db } from '../store/db';
import { log } from '../platform/log';
import { ocrLanguagesFor } from './ocr/languages';
import { FolderWatcher } from './folder-watch';
import { IngestQueue } from './queue';

// The ingestion area's public surface: the queue (services.ingest) and the parts other areas reuse.
export { IngestQueue, type EmbeddingStage, type EnqueuedFile } from './queue';
export { segmentForIndex } from '../text/segment';

/** What the queue is built from (services.ts wires it): the library, the settings, the embedder, a shutdown hook. */
export interface IngestHost {
  dataDir: string;
  db: Db;
  settings: { get(): Settings };
  embeddings: { active(): Promise<ActiveEmbedding | null> };
  onClose(cleanup: () => void | Promise<void>): void;
}

/**
 * Builds the queue for Services.ingest. Tokens are counted with the chosen embedder's tokenizer when it is installed,
 * else with LOCKSTEP_TOKENIZER_DIR (a tokenizer-only folder, used by tests), else estimated.
 */
export function createIngestQueue(host: IngestHost): IngestQueue {
  const queue = new IngestQueue({
    db: host.db,
    chunkTokens: () => host.settings.get().chunkTokens,
    tokenizerFolder: async () => (await locateEmbedder(host.dataDir, host.settings.get().embedderId))?.folder ?? process.env.LOCKSTEP_TOKENIZER_DIR ?? null,
    embedding: () => host.embeddings.active(),
    ocrLanguages: () => ocrLanguagesFor(host.settings.get().ocrLanguage, host.settings.get().language),
  });
  host.onClose(() => queue.close());
  return queue;
}

const watchers = new WeakMap<object, FolderWatcher>();

/** Watches the library folders for the app and browser mode (one watcher per services); call again after a folder is added or removed. */
export function watchLibraryFolders(services: Pick<IngestHost, 'db' | 'dataDir' | 'onClose'> & { ingest: IngestQueue }): FolderWatcher {
  let watcher = watchers.get(services);
  if (!watcher) {
    const created = new FolderWatcher(services, services.ingest);
    watchers.set(services, created);
    services.onClose(() => created.close());
    void created.start().catch((error: unknown) => log.warn('watching the library folders failed', error));
    watcher = created;
  } else void watcher.sync().catch((error: unknown) => log.warn('watching the library folders failed', error));
  return watcher;
}
