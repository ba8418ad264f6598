import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { loadLpuModel, type ChatMessage } from '../lpu/index';
import { resolveChatModel } from '../models/registry';
import { log } from '../platform/log';
import type { LoadLpuModel, LpuModelHandle } from './lpu';
import { SYSTEM_CHAT, SYSTEM_DOCUMENTS } from '../chat/prompt';
import { QUICK_ACTION_SYSTEMS } from '../chat/quick-actions';

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

/** Whether the chosen chat model (settings' chatModelId) is installed, so the LPU channels can answer. */
export async function chatModelInstalled(dataDir: string, chatModelId: string | null | undefined): Promise<boolean> {
  return !!chatModelId && (await locateChatModel(dataDir, chatModelId)) !== null;
}

/** System turns every answer starts with: their KV is computed once per model, the way an LPU deployment precompiles templates. */
export const FIXED_SYSTEM_PROMPTS = [SYSTEM_DOCUMENTS, SYSTEM_CHAT, ...Object.values(QUICK_ACTION_SYSTEMS)];

/** The emulator's loader: compiles (programs cached under the data folder's cache), maps the model onto emulated chips, and prefix-caches the fixed system prompts. */
export const emulatorLoader =
  (programCacheDir: string): LoadLpuModel =>
  async (modelPath, options) => {
    // One worker runs every chip with no cross-worker synchronisation and the least memory: the CPU channel.
    const model = await loadLpuModel(modelPath, { cacheDir: programCacheDir, threads: options?.singleWorker ? 1 : 2 });
    for (const content of FIXED_SYSTEM_PROMPTS) {
      await model.cachePrefix({ messages: [{ role: 'system', content }] }).catch((error) => log.warn('prefix caching a system prompt failed', error));
    }
    return model;
  };

/** Keeps the most recently used compiled model in memory (one at a time: models are large) and disposes it on close. */
export class LpuModelPool {
  private current: { key: string; handle: Promise<LpuModelHandle> } | null = null;

  constructor(private readonly load: LoadLpuModel) {}

  /**
   * A handle whose generate() re-acquires the live model, reloading it if another model displaced it meanwhile:
   * an answer that resolved its provider before a request for a different model still gets its tokens.
   */
  async get(modelPath: string, opts: { prefixCacheMb?: number; singleWorker?: boolean } = {}): Promise<LpuModelHandle> {
    const layout = { singleWorker: opts.singleWorker ?? false };
    const model = await this.live(modelPath, layout);
    if (opts.prefixCacheMb !== undefined) model.prefixCache?.setBudgetMb(opts.prefixCacheMb);
    return {
      info: model.info,
      tokenizer: model.tokenizer,
      generate: async (request, onToken) => {
        const live = this.live(modelPath, layout);
        return (await live).generate(request, onToken).catch((error: unknown) => {
          // A model whose worker died cannot step again: the next request loads it afresh.
          if (error instanceof AppError && error.code === 'lpu_worker_crashed') this.discard(live);
          throw error;
        });
      },
      // The pool owns the model's lifetime.
      dispose: async () => undefined,
    };
  }

  private live(modelPath: string, layout: { singleWorker: boolean }): Promise<LpuModelHandle> {
    const key = `${layout.singleWorker ? 'single' : 'all'}:${modelPath}`;
    if (this.current?.key === key) return this.current.handle;
    const previous = this.current;
    // The displaced model's KV snapshots go first: loading the next model must not fail for their memory.
    const released = previous ? previous.handle.then((h) => h.prefixCache?.clear(), () => undefined) : Promise.resolve();
    const handle = released
      .then(() => this.load(modelPath, layout))
      .catch((error) => {
        if (this.current?.key === key) this.current = null;
        if (error instanceof AppError) throw error;
        throw new AppError('lpu_load_failed', `The local model at ${modelPath} could not be loaded. Check that the file is complete, or pick another model.`, error);
      });
    this.current = { key, handle };
    if (previous) void previous.handle.then((h) => h.dispose()).catch((error) => log.warn('disposing the previous local model failed', error));
    return handle;
  }

  /**
   * Loads the model (if another is loaded, in its place) and keeps these fixed prefixes' KV in its prefix cache;
   * prefixes already there cost nothing. Returns how many tokens the prefixes hold.
   */
  async warm(modelPath: string, prefixes: ChatMessage[][], opts: { singleWorker?: boolean; prefixCacheMb?: number } = {}): Promise<number> {
    const model = await this.live(modelPath, { singleWorker: opts.singleWorker ?? false });
    if (opts.prefixCacheMb !== undefined) model.prefixCache?.setBudgetMb(opts.prefixCacheMb);
    let tokens = 0;
    for (const messages of prefixes) tokens += (await model.cachePrefix?.({ messages })) ?? 0;
    return tokens;
  }

  private discard(handle: Promise<LpuModelHandle>): void {
    if (this.current?.handle !== handle) return;
    this.current = null;
    void handle.then((h) => h.dispose()).catch((error) => log.warn('disposing a crashed local model failed', error));
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (current) await current.handle.then((h) => h.dispose()).catch(() => undefined);
  }
}
