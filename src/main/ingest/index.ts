import type { Services } from '../services';
import { locateEmbedder } from '../embed/models';
import { log } from '../platform/log';
import { ocrLanguagesFor } from './ocr/languages';
import { FolderWatcher } from './folder-watch';
import { IngestQueue } from './queue';

// The ingestion area's public surface: the queue (services.ingest) and the parts other areas reuse.
export { IngestQueue, type EmbeddingStage, type EnqueuedFile } from './queue';
export { segmentForIndex } from '../text/segment';

/**
 * Builds the queue for Services.ingest. Tokens are counted with the chosen embedder's tokenizer when it is installed,
 * else with LOCKSTEP_TOKENIZER_DIR (a tokenizer-only folder, used by tests), else estimated.
 */
export function createIngestQueue(services: Pick<Services, 'dataDir' | 'db' | 'settings' | 'embeddings' | 'onClose'>): IngestQueue {
  const queue = new IngestQueue({
    db: services.db,
    chunkTokens: () => services.settings.get().chunkTokens,
    tokenizerFolder: async () => (await locateEmbedder(services.dataDir, services.settings.get().embedderId))?.folder ?? process.env.LOCKSTEP_TOKENIZER_DIR ?? null,
    embedding: () => services.embeddings.active(),
    ocrLanguages: () => ocrLanguagesFor(services.settings.get().ocrLanguage, services.settings.get().language),
  });
  services.onClose(() => queue.close());
  return queue;
}

const watchers = new WeakMap<object, FolderWatcher>();

/** Watches the library folders for the app and browser mode (one watcher per services); call again after a folder is added or removed. */
export function watchLibraryFolders(services: Pick<Services, 'db' | 'dataDir' | 'ingest' | 'onClose'>): FolderWatcher {
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
