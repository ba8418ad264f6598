import type { Services } from '../services';
import { locateEmbedder } from '../embed/models';
import { ocrLanguagesFor } from './ocr/languages';
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
