import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { groqModel } from '../../shared/contract/chat';
import { createGroqClient, groqError } from './groq';
import { groqModelTraits } from './groq-traits';

export { groqModelTraits, type GroqModelTraits, type ReasoningEffort, type ReasoningStyle } from './groq-traits';

export type GroqModel = z.infer<typeof groqModel>;

const CACHE_TTL_MS = 60 * 60 * 1000;
const cacheFile = z.object({ fetchedAt: z.number(), baseURL: z.string(), models: z.array(groqModel) });
const limitsFile = z.record(z.string(), z.number());

function withTraits(model: GroqModel): GroqModel {
  const traits = groqModelTraits(model.id);
  return { ...model, reasoning: traits.reasoning !== null, reasoningEfforts: traits.efforts, chat: traits.chat };
}

// Fast general chat models first; any other chat model the key can use comes after these, by id.
const PREFERRED = [/^openai\/gpt-oss-20b$/, /^openai\/gpt-oss-120b$/, /^llama-3\.1-8b-instant$/, /llama-4-scout/, /^qwen\/qwen3/, /kimi-k2/, /llama/];

/** The model to answer with when none is chosen (or the chosen one is gone): null when the key can use no chat model. */
export function defaultGroqModel(models: GroqModel[], exclude: string[] = []): string | null {
  const usable = models.filter((m) => groqModelTraits(m.id).chat && !exclude.includes(m.id)).map((m) => m.id);
  for (const pattern of PREFERRED) {
    const match = usable.find((id) => pattern.test(id));
    if (match) return match;
  }
  return usable.sort()[0] ?? null;
}

/** Groq's model list from GET /openai/v1/models, cached on disk for an hour so pickers work offline too. */
export class GroqModelCache {
  constructor(private readonly cacheDir: string) {}

  private get file() {
    return path.join(this.cacheDir, 'groq-models.json');
  }

  private get limitsFile() {
    return path.join(this.cacheDir, 'groq-token-limits.json');
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
    // Traits are re-derived on read, so a listing cached by an older Lockstep still gets its reasoning marks.
    if (cached && !refresh && Date.now() - cached.fetchedAt < CACHE_TTL_MS) return cached.models.map(withTraits);
    let listing;
    try {
      listing = await createGroqClient(apiKey, baseURL).models.list();
    } catch (error) {
      throw groqError(error);
    }
    const models = listing.data
      // Groq marks retired models inactive before they leave the listing.
      .filter((m) => (m as unknown as { active?: unknown }).active !== false)
      .map((m) => {
        // Groq adds context_window to each model; the SDK's type does not declare it.
        const contextWindow = (m as unknown as { context_window?: unknown }).context_window;
        return withTraits({ id: m.id, ownedBy: m.owned_by ?? null, contextWindow: typeof contextWindow === 'number' ? contextWindow : null });
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

  /** The key's tokens-per-minute limit on a model, as the last response's x-ratelimit-limit-tokens said. */
  tokenLimit(baseURL: string, model: string): number | undefined {
    return this.readLimits()[`${baseURL} ${model}`];
  }

  rememberTokenLimit(baseURL: string, model: string, limit: number): void {
    const limits = this.readLimits();
    if (limits[`${baseURL} ${model}`] === limit) return;
    limits[`${baseURL} ${model}`] = limit;
    mkdirSync(this.cacheDir, { recursive: true });
    writeFileSync(this.limitsFile, JSON.stringify(limits));
  }

  private readLimits(): Record<string, number> {
    try {
      return limitsFile.parse(JSON.parse(readFileSync(this.limitsFile, 'utf8')));
    } catch {
      return {};
    }
  }
}
