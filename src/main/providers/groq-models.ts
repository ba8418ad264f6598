import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { groqModel } from '../../shared/contract/chat';
import { createGroqClient, groqError } from './groq';

export type GroqModel = z.infer<typeof groqModel>;

const CACHE_TTL_MS = 60 * 60 * 1000;
const cacheFile = z.object({ fetchedAt: z.number(), baseURL: z.string(), models: z.array(groqModel) });

/** Groq's model list from GET /openai/v1/models, cached on disk for an hour so pickers work offline too. */
export class GroqModelCache {
  constructor(private readonly cacheDir: string) {}

  private get file() {
    return path.join(this.cacheDir, 'groq-models.json');
  }

  cached(baseURL: string): { fetchedAt: number; models: GroqModel[] } | null {
    try {
      const parsed = cacheFile.parse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.baseURL === baseURL ? parsed : null;
    } catch {
      return null;
    }
  }

  async list(apiKey: string, baseURL: string, refresh = false): Promise<GroqModel[]> {
    const cached = this.cached(baseURL);
    if (cached && !refresh && Date.now() - cached.fetchedAt < CACHE_TTL_MS) return cached.models;
    let listing;
    try {
      listing = await createGroqClient(apiKey, baseURL).models.list();
    } catch (error) {
      throw groqError(error);
    }
    const models = listing.data
      .map((m) => {
        // Groq adds context_window to each model; the SDK's type does not declare it.
        const contextWindow = (m as unknown as { context_window?: unknown }).context_window;
        return { id: m.id, ownedBy: m.owned_by ?? null, contextWindow: typeof contextWindow === 'number' ? contextWindow : null };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
    mkdirSync(this.cacheDir, { recursive: true });
    writeFileSync(this.file, JSON.stringify({ fetchedAt: Date.now(), baseURL, models }));
    return models;
  }

  /** The context window Groq reported for a model, when the listing has been fetched before. */
  contextWindow(baseURL: string, model: string): number | undefined {
    return this.cached(baseURL)?.models.find((m) => m.id === model)?.contextWindow ?? undefined;
  }
}
