import type { Services } from '../services';
import { EmbeddingService, type ActiveEmbedding } from './service';

// The embedding area's public surface for other areas (ingestion, search, handlers).
export { EmbeddingService, type ActiveEmbedding, type EmbeddingStatus, type QueryVector } from './service';
export { deleteVectorsForChunks } from './vector-store';
export type { ReembedProgress } from './reembed';

/**
 * The embedder new chunks should be embedded with, or null when none is installed (ingestion then indexes keywords only).
 * Call embedPassages outside the write transaction, then writeVectors inside the transaction that inserts the chunk rows.
 */
export function getActiveEmbedding(services: Services): Promise<ActiveEmbedding | null> {
  return services.embeddings.active();
}

/** Builds the service for Services.embeddings; its workers stop when the services close. */
export function createEmbeddingService(services: Pick<Services, 'dataDir' | 'db' | 'settings' | 'onClose'>): EmbeddingService {
  const service = new EmbeddingService(services);
  services.onClose(() => service.close());
  return service;
}
