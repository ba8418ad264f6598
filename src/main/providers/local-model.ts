import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { loadLpuModel } from '../lpu/index';
import { resolveChatModel } from '../models/registry';
import { log } from '../platform/log';
import type { LoadLpuModel, LpuModelHandle } from './lpu';

/** A chat model given as a path (.gguf file or Hugging Face folder) or as an installed model id; null when not installed. */
export async function locateChatModel(dataDir: string, idOrPath: string): Promise<{ id: string; path: string } | null> {
  if (existsSync(idOrPath)) return { id: path.basename(idOrPath).replace(/\.gguf$/i, ''), path: path.resolve(idOrPath) };
  try {
    const resolved = await resolveChatModel(dataDir, idOrPath);
    return { id: resolved.id, path: resolved.path };
  } catch (error) {
    if (error instanceof AppError && (error.code === 'model_not_installed' || error.code === 'model_unknown')) return null;
    throw error;
  }
}

/** The emulator's loader: compiles (programs cached under the data folder's cache) and maps the model onto emulated chips. */
export const emulatorLoader =
  (programCacheDir: string): LoadLpuModel =>
  (modelPath) =>
    loadLpuModel(modelPath, { cacheDir: programCacheDir });

/** Keeps the most recently used compiled model in memory (one at a time: models are large) and disposes it on close. */
export class LpuModelPool {
  private current: { path: string; handle: Promise<LpuModelHandle> } | null = null;

  constructor(private readonly load: LoadLpuModel) {}

  get(modelPath: string): Promise<LpuModelHandle> {
    if (this.current?.path === modelPath) return this.current.handle;
    const previous = this.current;
    const handle = Promise.resolve()
      .then(() => this.load(modelPath))
      .catch((error) => {
        if (this.current?.path === modelPath) this.current = null;
        if (error instanceof AppError) throw error;
        throw new AppError('lpu_load_failed', `The local model at ${modelPath} could not be loaded. Check that the file is complete, or pick another model.`, error);
      });
    this.current = { path: modelPath, handle };
    if (previous) void previous.handle.then((h) => h.dispose()).catch((error) => log.warn('disposing the previous local model failed', error));
    return handle;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (current) await current.handle.then((h) => h.dispose()).catch(() => undefined);
  }
}
