import { existsSync } from 'node:fs';
import path from 'node:path';
import { findCatalogEntry, type EmbedderEntry } from '../models/catalog';
import { modelsDir } from '../platform/paths';

/** An installed embedding model: where its files are and how to use it (pooling, prefixes) as its catalog entry says. */
export interface EmbedderModel {
  id: string;
  folder: string;
  dimension: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  queryPrefix: string;
  passagePrefix: string;
  maxTokens: number;
  dtype: 'q8';
}

export function embedderCatalogEntry(id: string): EmbedderEntry | undefined {
  const entry = findCatalogEntry(id);
  return entry?.kind === 'embedding' ? entry : undefined;
}

/** Folders searched for models, in order: the app's models folder, then LOCKSTEP_MODELS_DIR. */
export function modelRoots(dataDir: string): string[] {
  const roots = [modelsDir(dataDir)];
  if (process.env.LOCKSTEP_MODELS_DIR) roots.push(path.resolve(process.env.LOCKSTEP_MODELS_DIR));
  return roots;
}

/** The installed copy of a catalog embedder, or null when it is not installed (or not an embedder). */
export function locateEmbedder(dataDir: string, id: string): EmbedderModel | null {
  const entry = embedderCatalogEntry(id);
  if (!entry) return null;
  for (const root of modelRoots(dataDir)) {
    const folder = path.join(root, ...id.split('/'));
    if (entry.files.every((file) => existsSync(path.join(folder, file.path)))) {
      const { dimension, pooling, normalize, queryPrefix, passagePrefix, maxTokens, dtype } = entry;
      return { id, folder, dimension, pooling, normalize, queryPrefix, passagePrefix, maxTokens, dtype };
    }
  }
  return null;
}
