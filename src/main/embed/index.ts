import type { SettingsStore } from '../settings/settings';
import type { Db } from '../store/db';
import { EmbeddingService, type ActiveEmbedding } from './service';

// The embedding area's public surface for other areas (ingestion, search, handlers).
export { EmbeddingService, type ActiveEmbedding, type EmbeddingStatus, type QueryVector } from './service';
export { deleteVectorsForChunks } from './vector-store';
export type { ReembedProgress } from './reembed';

/**
 * The embedder new chunks should be embedded with, or null when none is installed (ingestion then indexes keywords only).
 * Call embedPassages outside the write transaction, then writeVectors inside the transaction that inserts the chunk rows.
 */
export function getActiveEmbedding(owner: { embeddings: Pick<EmbeddingService, 'active'> }): Promise<ActiveEmbedding | null> {
  return owner.embeddings.active();
}

/** What the embedding service is built from (services.ts wires it): the library, the settings, a shutdown hook. */
export interface EmbeddingHost {
  dataDir: string;
  db: Db;
  settings: SettingsStore;
  onClose(cleanup: () => void | Promise<void>): void;
}

/** Builds the service for Services.embeddings; its workers stop when the services close. */
export function createEmbeddingService(host: EmbeddingHost): EmbeddingService {
  const service = new EmbeddingService(host);
  host.onClose(() => service.close());
  return service;
}
