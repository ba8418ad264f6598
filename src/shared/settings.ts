import { z } from 'zod';
import { openAiServerConfig } from './openai-servers';

// User settings persisted in SQLite. Secrets (the Groq API key) are never part of this object.
export const settingsSchema = z.object({
  provider: z.enum(['lpu', 'groq', 'openai']).default('lpu'),
  /** Empty until a key is saved: then the default is chosen from the models that key can use. */
  groqModel: z.string().max(200).default(''),
  /** Sent as reasoning_effort when the model accepts the value; 'default' sends nothing. */
  groqReasoningEffort: z.enum(['none', 'default', 'low', 'medium', 'high']).default('default'),
  groqServiceTier: z.enum(['auto', 'on_demand', 'flex']).default('on_demand'),
  /** OpenAI-compatible servers the user added (keys are secrets, not here), and the one 'openai' answers with. */
  openAiServers: z.array(openAiServerConfig).max(20).default([]),
  openAiServerId: z.string().max(40).default(''),
  chatModelId: z.string().max(500).nullable().default(null),
  embedderId: z.string().min(1).max(200).default('Xenova/all-MiniLM-L6-v2'),
  chunkTokens: z.number().int().min(64).max(1024).default(256),
  topK: z.number().int().min(1).max(50).default(8),
  answerMode: z.enum(['documents', 'chat']).default('documents'),
  /** Most tokens an answer may take; null leaves it to the model's window (a quarter of it, at most 1024). */
  maxAnswerTokens: z.number().int().min(64).max(8192).nullable().default(null),
  theme: z.enum(['light', 'dark', 'system']).default('system'),
  language: z.enum(['en', 'zh-CN']).default('en'),
  /** Languages OCR reads scans in; 'auto' follows the UI language (Chinese reads Chinese and English). */
  ocrLanguage: z.enum(['auto', 'eng', 'chi_sim', 'eng+chi_sim']).default('auto'),
  localApiEnabled: z.boolean().default(false),
  /** Serve MCP at /mcp on the local API (also `lockstep serve --api --mcp`); stdio (`lockstep mcp`) needs no switch. */
  mcpEnabled: z.boolean().default(false),
  onboarded: z.boolean().default(false),
  /** Reciprocal-rank-fusion weight of vector hits relative to keyword (BM25) hits in hybrid search. */
  vectorSearchWeight: z.number().min(0).max(10).default(1),
  /** Rerank search results with the installed cross-encoder (the catalog's reranker); no effect while none is installed. */
  rerankEnabled: z.boolean().default(true),
  /** LRU budget (MB) of the local model's KV snapshots: threads' caches and fixed prefixes, reused by follow-ups. */
  lpuPrefixCacheMb: z.number().int().min(0).max(8192).default(256),
  /** Serve Prometheus metrics at GET /metrics on the local API (also `lockstep serve --api --metrics`, LOCKSTEP_METRICS=1). */
  metricsEnabled: z.boolean().default(false),
  /** Health alert thresholds: drawn on the Health charts; crossing one raises an alert. Patched as a whole object. */
  healthThresholds: z
    .object({
      /** p95 time to first token (ms) over the error window. */
      ttftP95Ms: z.number().int().min(100).max(600_000),
      /** p95 interval between streamed tokens (ms); 750 clears a healthy local model on a busy machine (docs/operations.md). */
      tokenIntervalP95Ms: z.number().int().min(1).max(60_000),
      /** Share of answers that failed (%) over the last errorWindowMin minutes. */
      errorRatePct: z.number().min(0).max(100),
      errorWindowMin: z.number().int().min(1).max(60),
      /** Worker crashes within the error window that count as trouble. */
      workerCrashes: z.number().int().min(1).max(100),
    })
    .default({ ttftP95Ms: 8000, tokenIntervalP95Ms: 750, errorRatePct: 20, errorWindowMin: 10, workerCrashes: 2 }),
  /** Minutes without trouble after which the degradation chain climbs back one step. */
  degradationQuietMin: z.number().int().min(1).max(240).default(5),
});
export type Settings = z.infer<typeof settingsSchema>;
type SettingsShape = typeof settingsSchema.shape;
type PatchShape = { [K in keyof SettingsShape]: z.ZodOptional<ReturnType<SettingsShape[K]['unwrap']>> };
/** A partial update: each field without its default (zod's .partial() would fill every omitted key with its default). */
export const settingsPatchSchema = z.object(
  Object.fromEntries(Object.entries(settingsSchema.shape).map(([key, field]) => [key, field.unwrap().optional()])) as PatchShape,
);
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
export const defaultSettings: Settings = settingsSchema.parse({});
