import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
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

/** The emulator's loader, imported on first use so the CLI and the UI start without compiling anything. */
export const loadFromEmulator: LoadLpuModel = async (modelPath) => {
  // Until src/main/lpu/index.ts lands the specifier is computed, so the typecheck does not require the module.
  const specifier = '../lpu/index';
  let lpu: { loadLpuModel: LoadLpuModel };
  try {
    lpu = (await import(/* @vite-ignore */ specifier)) as { loadLpuModel: LoadLpuModel };
  } catch (cause) {
    throw new AppError('lpu_unavailable', 'The local LPU emulator is not available in this build. Use Groq, or answer from your documents without a model.', cause);
  }
  return lpu.loadLpuModel(modelPath);
};

/** Keeps the most recently used compiled model in memory (one at a time: models are large) and disposes it on close. */
export class LpuModelPool {
  private current: { path: string; handle: Promise<LpuModelHandle> } | null = null;

  constructor(private readonly load: LoadLpuModel = loadFromEmulator) {}

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
