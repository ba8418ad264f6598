import { z } from 'zod';
import { call, stream } from './define';

// The model manager over IPC: the catalog and installed models, resumable downloads with progress, imports,
// removal, and which chat and embedding models are active.

export const modelKind = z.enum(['embedding', 'chat', 'reranker']);
const modelId = z.string().trim().min(1).max(200);

export const modelListing = z.object({
  id: z.string(),
  kind: modelKind,
  name: z.string(),
  source: z.enum(['catalog', 'import']),
  format: z.enum(['gguf', 'hf-folder', 'transformers-js']),
  installed: z.boolean(),
  active: z.boolean(),
  /** What loaders open (the .gguf file or the model folder), when installed. */
  path: z.string().nullable(),
  /** 'app' = the app's models folder (removable), 'shared' = LOCKSTEP_MODELS_DIR (read-only). */
  location: z.enum(['app', 'shared']).nullable(),
  sizeBytes: z.number(),
  /** Bytes of an unfinished download on disk; the next pull resumes from them. */
  partialBytes: z.number(),
  memoryBytes: z.number().nullable(),
  architecture: z.string().nullable(),
  /** The weight format as published (Q4_K_M, Q8_0), for chat GGUFs. */
  quantization: z.string().nullable(),
  /** Whether the LPU emulator runs this chat model, shown before download. */
  compatibility: z.object({ lpu: z.boolean(), note: z.string() }).nullable(),
  licence: z.string().nullable(),
  embedding: z
    .object({ dimension: z.number().int(), pooling: z.enum(['mean', 'cls']), queryPrefix: z.string(), passagePrefix: z.string(), maxTokens: z.number().int() })
    .nullable(),
});
export type ModelListing = z.infer<typeof modelListing>;

export const activeModels = z.object({ chat: z.string().nullable(), embedding: z.string() });
export type ActiveModels = z.infer<typeof activeModels>;

export const downloadProgress = z.object({
  modelId: z.string(),
  file: z.string(),
  fileIndex: z.number().int(),
  fileCount: z.number().int(),
  bytesDone: z.number(),
  /** Null while some file's size is still unknown. */
  bytesTotal: z.number().nullable(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  phase: z.enum(['downloading', 'verifying', 'installing', 'done']),
});
export type DownloadProgress = z.infer<typeof downloadProgress>;

export const installedModel = z.object({
  id: z.string(),
  kind: modelKind,
  name: z.string(),
  format: z.enum(['gguf', 'hf-folder', 'transformers-js']),
  source: z.enum(['catalog', 'import']),
  path: z.string(),
  sizeBytes: z.number(),
  architecture: z.string().nullable(),
  /** The loader's word on how the model runs, for the import result (a multimodal model's images are not used). */
  notice: z.string().optional(),
});
export type InstalledModelSummary = z.infer<typeof installedModel>;

export const pullEvent = z.discriminatedUnion('type', [
  downloadProgress.extend({ type: z.literal('progress') }),
  z.object({ type: z.literal('installed'), model: installedModel }),
]);
export type PullEvent = z.infer<typeof pullEvent>;

export const models = {
  list: call(z.object({}), z.object({ models: z.array(modelListing), active: activeModels })),
  /** Progress events, then one "installed" event; cancelling keeps the partial download for the next pull. */
  pull: stream(z.object({ id: modelId }), pullEvent),
  /** A .gguf file or a Hugging Face model folder on this machine; validated before it is listed. */
  import: call(z.object({ path: z.string().min(1).max(4096), link: z.boolean().optional(), id: modelId.optional() }), installedModel),
  /** Deletes an installed model, or an unfinished download of one. */
  remove: call(z.object({ id: modelId }), z.object({ id: z.string(), removed: z.string() })),
  getActive: call(z.object({}), activeModels),
  /** Chat accepts null ("no local chat model"). */
  setActive: call(z.object({ kind: modelKind, id: modelId.nullable() }), activeModels),
};
