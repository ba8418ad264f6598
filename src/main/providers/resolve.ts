import { AppError } from '../../shared/errors';
import type { SettingsStore } from '../settings/settings';
import { openAiKeyName, type SecretStore } from '../secrets/secret-store';
import { GroqProvider } from './groq';
import { defaultGroqModel, type GroqModel, type GroqModelCache } from './groq-models';
import { locateChatModel, type LpuModelPool } from './local-model';
import { LpuProvider } from './lpu';
import { OpenAiCompatibleProvider } from './openai-compatible';
import type { ChatProvider, ChatTurn } from './provider';
import { tagChannel, type LpuChannel } from '../ops/degrade-route';

/** Groq's fast general chat model as of 2026, asked for only when the key's listing cannot be read. */
const LIKELY_GROQ_MODEL = 'openai/gpt-oss-20b';

export interface ProviderChoice {
  provider?: 'lpu' | 'groq' | 'openai';
  model?: string;
}

/** Picks the answering provider for a request: the one asked for, else the settings; null means "answer extractively". */
export class ProviderResolver {
  constructor(
    private readonly deps: {
      dataDir: string;
      settings: Pick<SettingsStore, 'get' | 'update'>;
      secrets: SecretStore;
      groqModels: GroqModelCache;
      lpuModels: LpuModelPool;
      groqBaseURL: string;
    },
  ) {}

  get groqBaseURL(): string {
    return this.deps.groqBaseURL;
  }

  async choose(choice: ProviderChoice): Promise<ChatProvider | null> {
    const settings = this.deps.settings.get();
    const which = choice.provider ?? settings.provider;
    // No server added yet ("openai" chosen in settings): answer locally, as Groq does without a key.
    if (which === 'openai') return this.openAi(choice) ?? this.local();
    if (which === 'groq') {
      const apiKey = this.groqKey();
      if (apiKey) {
        // The listing (cached for an hour) gives the context window, and says whether the saved model still exists.
        const listing = await this.listing(apiKey, false);
        if (choice.model) return this.groq(apiKey, choice.model);
        const saved = settings.groqModel;
        if (saved && listing?.some((m) => m.id === saved)) return this.groq(apiKey, saved);
        // Unlisted (offline, or the key refused): ask with a likely model so the request reports what is wrong and falls back.
        if (!listing) return this.groq(apiKey, saved || LIKELY_GROQ_MODEL);
        const chosen = defaultGroqModel(listing);
        if (!chosen) {
          if (saved) return this.groq(apiKey, saved);
          throw new AppError('groq_no_model', 'Groq lists no chat model for this key. Check the key in Settings → Providers, or answer with the local model.');
        }
        this.deps.settings.update({ groqModel: chosen });
        return this.groq(apiKey, chosen, saved || undefined);
      }
      if (choice.provider === 'groq') {
        throw new AppError('groq_no_key', 'Add a Groq API key in Settings → Providers (or set GROQ_API_KEY) first, or answer with the local model.');
      }
      // Groq chosen in settings but no key saved: "Groq off", answer locally.
      return this.local();
    }
    return this.local(choice.model);
  }

  /** The active OpenAI-compatible server; like Groq, a failing server is found by the request, which then falls back. */
  private openAi(choice: ProviderChoice): ChatProvider | null {
    const settings = this.deps.settings.get();
    const server = settings.openAiServers.find((s) => s.id === settings.openAiServerId) ?? settings.openAiServers[0];
    if (!server) {
      if (choice.provider === 'openai') {
        throw new AppError('openai_no_server', 'Add an OpenAI-compatible server (Ollama, LM Studio, llama.cpp) in Settings → Providers first, or answer with the local model.');
      }
      return null;
    }
    return new OpenAiCompatibleProvider({
      baseURL: server.baseURL,
      model: choice.model ?? server.model,
      apiKey: this.deps.secrets.get(openAiKeyName(server.id)),
      contextTokens: server.contextTokens,
    });
  }

  /** After a key is saved: lists the models it can use and, unless the saved choice is among them, saves the default. */
  async chooseGroqModelForKey(): Promise<string | null> {
    const apiKey = this.groqKey();
    const listing = apiKey ? await this.listing(apiKey, true) : null;
    if (!listing) return null;
    const saved = this.deps.settings.get().groqModel;
    if (saved && listing.some((m) => m.id === saved)) return saved;
    const chosen = defaultGroqModel(listing);
    if (chosen) this.deps.settings.update({ groqModel: chosen });
    return chosen;
  }

  /**
   * Groq no longer serves `gone` (404 model_not_found or model_decommissioned): lists the models again, saves the
   * default among the rest as the choice and returns a provider for it.
   */
  async replaceGroqModel(gone: string): Promise<ChatProvider> {
    const apiKey = this.groqKey();
    const listing = apiKey ? await this.listing(apiKey, true) : null;
    const chosen = listing ? defaultGroqModel(listing, [gone]) : null;
    if (!apiKey || !chosen) {
      throw new AppError('groq_model_gone', `The Groq model ${gone} is no longer available and Groq lists no other chat model for this key. Answer with the local model instead.`);
    }
    this.deps.settings.update({ groqModel: chosen });
    return this.groq(apiKey, chosen, gone);
  }

  /** The saved key, else GROQ_API_KEY from the environment (handy for the CLI; never saved or shown). */
  private groqKey(): string | null {
    return this.deps.secrets.get('groq.apiKey') ?? process.env.GROQ_API_KEY ?? null;
  }

  private async listing(apiKey: string, refresh: boolean): Promise<GroqModel[] | null> {
    try {
      return await this.deps.groqModels.list(apiKey, this.deps.groqBaseURL, refresh);
    } catch {
      // Offline or a refused key: the request itself reports that, with the fallbacks it allows.
      return null;
    }
  }

  private groq(apiKey: string, model: string, switchedFrom?: string): GroqProvider {
    const { groqBaseURL: baseURL, groqModels } = this.deps;
    const settings = this.deps.settings.get();
    return new GroqProvider({
      apiKey,
      model,
      baseURL,
      switchedFrom,
      contextTokens: groqModels.contextWindow(baseURL, model),
      tokenLimit: groqModels.tokenLimit(baseURL, model),
      onTokenLimit: (limit) => groqModels.rememberTokenLimit(baseURL, model, limit),
      reasoningEffort: settings.groqReasoningEffort,
      serviceTier: settings.groqServiceTier,
    });
  }

  /**
   * The local emulator with the given or active chat model; null when none is installed. `channel` 'lpu_single'
   * runs it on one worker, the degradation chain's CPU channel.
   */
  async local(model?: string, channel: LpuChannel = 'lpu'): Promise<ChatProvider | null> {
    const wanted = model ?? this.deps.settings.get().chatModelId;
    if (!wanted) return null;
    const located = await locateChatModel(this.deps.dataDir, wanted);
    if (!located) {
      if (model) throw new AppError('model_not_installed', `The chat model ${model} is not installed. Download it under Models, or pass a path to a .gguf file.`);
      return null;
    }
    return this.lpu(located, channel);
  }

  /** Loads the active local model on `channel`'s workers with these fixed prefixes in its KV cache; 0 when none is installed. */
  async warmLocal(prefixes: ChatTurn[][], channel: LpuChannel = 'lpu'): Promise<number> {
    const wanted = this.deps.settings.get().chatModelId;
    const located = wanted ? await locateChatModel(this.deps.dataDir, wanted) : null;
    if (!located) return 0;
    return this.deps.lpuModels.warm(located.path, prefixes, { singleWorker: channel === 'lpu_single', prefixCacheMb: this.deps.settings.get().lpuPrefixCacheMb });
  }

  private async lpu(located: { id: string; path: string }, channel: LpuChannel): Promise<ChatProvider> {
    const handle = await this.deps.lpuModels.get(located.path, { prefixCacheMb: this.deps.settings.get().lpuPrefixCacheMb, singleWorker: channel === 'lpu_single' });
    // The same model, asked for by path, serves the other worker layout when the chain moves.
    return tagChannel(new LpuProvider(located.id, handle), channel, (other) => this.lpu(located, other));
  }
}
