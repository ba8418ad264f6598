import type { SettingsStore } from '../settings/settings';
import { cacheDir } from '../platform/paths';
import { defaultLpuCacheDir } from '../lpu/index';
import { GROQ_BASE_URL } from '../providers/groq';
import { GroqModelCache } from '../providers/groq-models';
import { emulatorLoader, LpuModelPool } from '../providers/local-model';
import type { LoadLpuModel } from '../providers/lpu';
import { ProviderResolver } from '../providers/resolve';
import { FileSecretStore } from '../secrets/file-secret-store';
import type { SecretStore } from '../secrets/secret-store';
import type { Db } from '../store/db';
import { AnswerCache } from './answer-cache';
import { DegradationPolicy, type DegradationOptions } from '../ops/degrade';
import { createDegradationRouter, type DegradationRouter } from '../ops/degrade-route';
import { log } from '../platform/log';
import type { AnswerDeps } from './respond';
import type { PassageSource } from './passages';
import { ThreadStore } from './threads';

export interface ChatServiceOptions {
  dataDir: string;
  db: Db;
  /** Writable: choosing a Groq model from the key's listing saves the choice. */
  settings: Pick<SettingsStore, 'get' | 'update'>;
  /** Electron passes its safeStorage-backed store; elsewhere an encrypted file (see file-secret-store.ts). */
  secrets?: SecretStore;
  /** retrievalPassageSource(services) in the app. */
  passages: PassageSource;
  /** GROQ_BASE_URL overrides it for proxies and tests. */
  groqBaseURL?: string;
  loadLpuModel?: LoadLpuModel;
  /** Tests set the clock and the quiet period of the degradation chain; the thresholds always come from settings. */
  degradation?: Pick<DegradationOptions, 'now' | 'quietMs' | 'onWorkerCrash' | 'localModel'>;
  /** The workspace tiers (services.tiers.tierOf): cold workspaces answer on the CPU channel. */
  tierOf?: AnswerDeps['tierOf'];
  /** Records each answer's metrics and health history (Ops.tapAnswer). */
  answerTap?: AnswerDeps['answerTap'];
}

/** Everything answering needs, built once per process; the compiled local model loads on first use. */
export interface ChatService extends AnswerDeps {
  secrets: SecretStore;
  groqModels: GroqModelCache;
  lpuModels: LpuModelPool;
  providers: ProviderResolver;
  /** The health thresholds' policy: where the degradation chain stands, its alerts and its history of steps. */
  degradationPolicy: DegradationPolicy;
  degradation: DegradationRouter;
  /** Where the OpenAI-compatible local API listens while it runs (set by manageLocalApi). */
  localApiUrl: string | null;
  close(): Promise<void>;
}

export function createChatService(options: ChatServiceOptions): ChatService {
  const secrets = options.secrets ?? new FileSecretStore(options.dataDir);
  const groqModels = new GroqModelCache(cacheDir(options.dataDir));
  const lpuModels = new LpuModelPool(options.loadLpuModel ?? emulatorLoader(defaultLpuCacheDir(options.dataDir)));
  const groqBaseURL = options.groqBaseURL ?? process.env.GROQ_BASE_URL ?? GROQ_BASE_URL;
  const degradationPolicy = new DegradationPolicy({
    thresholds: () => options.settings.get().healthThresholds,
    quietMs: () => options.settings.get().degradationQuietMin * 60_000,
    log: (message) => log.warn(message),
    ...options.degradation,
  });
  return {
    threads: new ThreadStore(options.db),
    answerCache: new AnswerCache(options.db),
    passages: options.passages,
    settings: options.settings,
    secrets,
    groqModels,
    lpuModels,
    providers: new ProviderResolver({ dataDir: options.dataDir, settings: options.settings, secrets, groqModels, lpuModels, groqBaseURL }),
    localApiUrl: null,
    degradationPolicy,
    degradation: createDegradationRouter(degradationPolicy),
    tierOf: options.tierOf,
    answerTap: options.answerTap,
    close: () => lpuModels.close(),
  };
}
