import { AppError } from '../../shared/errors';
import type { SettingsStore } from '../settings/settings';
import type { SecretStore } from '../secrets/secret-store';
import { GroqProvider } from './groq';
import type { GroqModelCache } from './groq-models';
import { locateChatModel, type LpuModelPool } from './local-model';
import { LpuProvider } from './lpu';
import type { ChatProvider } from './provider';

export interface ProviderChoice {
  provider?: 'lpu' | 'groq';
  model?: string;
}

/** Picks the answering provider for a request: the one asked for, else the settings; null means "answer extractively". */
export class ProviderResolver {
  constructor(
    private readonly deps: {
      dataDir: string;
      settings: Pick<SettingsStore, 'get'>;
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
    if (which === 'groq') {
      // The saved key, else GROQ_API_KEY from the environment (handy for the CLI; never saved or shown).
      const apiKey = this.deps.secrets.get('groq.apiKey') ?? process.env.GROQ_API_KEY ?? null;
      if (apiKey) {
        const model = choice.model ?? settings.groqModel;
        return new GroqProvider({ apiKey, model, baseURL: this.deps.groqBaseURL, contextTokens: this.deps.groqModels.contextWindow(this.deps.groqBaseURL, model) });
      }
      if (choice.provider === 'groq') {
        throw new AppError('groq_no_key', 'Add a Groq API key in Settings → Providers (or set GROQ_API_KEY) first, or answer with the local model.');
      }
      // Groq chosen in settings but no key saved: "Groq off", answer locally.
      return this.local();
    }
    return this.local(choice.model);
  }

  /** The local emulator with the given or active chat model; null when none is installed. */
  async local(model?: string): Promise<ChatProvider | null> {
    const wanted = model ?? this.deps.settings.get().chatModelId;
    if (!wanted) return null;
    const located = await locateChatModel(this.deps.dataDir, wanted);
    if (!located) {
      if (model) throw new AppError('model_not_installed', `The chat model ${model} is not installed. Download it under Models, or pass a path to a .gguf file.`);
      return null;
    }
    return new LpuProvider(located.id, await this.deps.lpuModels.get(located.path));
  }
}
