import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

// Every installed model folder holds one small manifest: installed models are discovered from disk, not from SQLite,
// so copying or deleting a folder is all it takes to move or remove a model.

export const MANIFEST_FILE = 'lockstep-model.json';

export const manifestSchema = z.object({
  schema: z.literal(1),
  id: z.string().min(1),
  kind: z.enum(['embedding', 'chat', 'reranker']),
  /** gguf: one .gguf file · hf-folder: config.json + *.safetensors + tokenizer · transformers-js: ONNX + tokenizer for embedders. */
  format: z.enum(['gguf', 'hf-folder', 'transformers-js']),
  name: z.string(),
  source: z.enum(['catalog', 'import']),
  /** What loaders open, relative to the manifest's folder: the .gguf file, or "." for folder models. */
  entry: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })),
  architecture: z.string().nullable(),
  licence: z.string().nullable(),
  /** The hub URL the files came from, or the path they were imported from. */
  origin: z.string(),
  /** Imported with --link: files are symlinks to `origin`, which must stay where it is. */
  linked: z.boolean().default(false),
  installedAt: z.string(),
  /** What the model manager should say about how it runs (an imported multimodal model's images are not used). */
  notice: z.string().optional(),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export async function readManifest(dir: string): Promise<ModelManifest | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Written via a temporary file and a rename, so a reader never sees half a manifest. */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(manifestSchema.parse(manifest), null, 2) + '\n');
  await rename(`${file}.tmp`, file);
}
