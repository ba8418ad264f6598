import { AppError } from '../../shared/errors';
import { findCatalogEntry, type EmbedderEntry } from '../models/catalog';
import { resolveEmbedder } from '../models/registry';

/** An installed embedding model: where its files are and how to use it (pooling, prefixes) as its catalog entry says. */
export type EmbedderModel = Pick<EmbedderEntry, 'id' | 'dimension' | 'pooling' | 'normalize' | 'queryPrefix' | 'passagePrefix' | 'maxTokens' | 'dtype'> & {
  folder: string;
};

export function embedderCatalogEntry(id: string): EmbedderEntry | undefined {
  const entry = findCatalogEntry(id);
  return entry?.kind === 'embedding' ? entry : undefined;
}

/** The installed copy of a catalog embedder (app models folder, then LOCKSTEP_MODELS_DIR), or null when there is none. */
export async function locateEmbedder(dataDir: string, id: string): Promise<EmbedderModel | null> {
  try {
    const { dir, spec } = await resolveEmbedder(dataDir, id);
    const { dimension, pooling, normalize, queryPrefix, passagePrefix, maxTokens, dtype } = spec;
    return { id, folder: dir, dimension, pooling, normalize, queryPrefix, passagePrefix, maxTokens, dtype };
  } catch (error) {
    // Not installed, not in the catalog, or a chat model: in every case there is no embedder to use.
    if (error instanceof AppError) return null;
    throw error;
  }
}
