import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { modelsDir } from '../platform/paths';
import { catalog, requireCatalogEntry, type CatalogEntry, type EmbedderEntry } from './catalog';
import { readManifest, type ModelManifest } from './manifest';
import { installDir, manifestForCatalogEntry, pullModel, type PullOptions } from './pull';

// Where models are found, in order: the app's models folder (<dataDir>/models), then LOCKSTEP_MODELS_DIR (a shared,
// read-only collection), then — when the caller allows it — a download from the catalog into the app's folder.

export type Env = Record<string, string | undefined>;

export interface ModelRoot {
  dir: string;
  /** The app's own folder: Lockstep downloads, imports and deletes only here. */
  managed: boolean;
}

export interface InstalledModel extends ModelManifest {
  /** The folder holding the model (and its manifest). */
  dir: string;
  /** What loaders open: the .gguf file or the model folder. */
  path: string;
  /** The folder this model was found under (transformers.js' env.localModelPath for embedders). */
  root: string;
  managed: boolean;
}

export function modelRoots(dataDir: string, env: Env = process.env): ModelRoot[] {
  const roots: ModelRoot[] = [{ dir: modelsDir(dataDir), managed: true }];
  const shared = env.LOCKSTEP_MODELS_DIR?.trim();
  if (shared && path.resolve(shared) !== roots[0].dir) roots.push({ dir: path.resolve(shared), managed: false });
  return roots;
}

/** Every installed model, first root first; an id found twice keeps its first location. */
export async function discoverInstalled(dataDir: string, env: Env = process.env): Promise<InstalledModel[]> {
  const found = new Map<string, InstalledModel>();
  for (const root of modelRoots(dataDir, env)) {
    for (const dir of await manifestFolders(root.dir, 3)) {
      const manifest = await readManifest(dir);
      if (manifest && !found.has(manifest.id)) found.set(manifest.id, { ...manifest, dir, path: path.resolve(dir, manifest.entry), root: root.dir, managed: root.managed });
    }
    // A shared folder may hold catalog models laid out as the hub names them, without our manifest.
    if (!root.managed) {
      for (const entry of catalog) {
        if (found.has(entry.id)) continue;
        const laidOut = await unmanagedCatalogModel(root.dir, entry);
        if (laidOut) found.set(entry.id, laidOut);
      }
    }
  }
  return [...found.values()];
}

export async function findInstalled(dataDir: string, id: string, env: Env = process.env): Promise<InstalledModel | undefined> {
  return (await discoverInstalled(dataDir, env)).find((model) => model.id === id);
}

export interface ResolveOptions extends Omit<PullOptions, 'modelsDir'> {
  env?: Env;
  /** Download from the catalog when the model is not on disk (otherwise a missing model is an error). */
  download?: boolean;
}

export interface ResolvedEmbedder {
  id: string;
  /** The folder with config.json, tokenizer files and onnx/model_quantized.onnx. */
  dir: string;
  /** Set transformers.js' env.localModelPath to this (and env.allowRemoteModels = false), then load `id`. */
  localModelPath: string;
  spec: EmbedderEntry;
}

export async function resolveEmbedder(dataDir: string, id: string, options: ResolveOptions = {}): Promise<ResolvedEmbedder> {
  const spec = requireCatalogEntry(id);
  if (spec.kind !== 'embedding') throw new AppError('model_wrong_kind', `${id} is a ${spec.kind} model, not an embedding model. Pick one of the embedding models.`);
  const installed = (await findInstalled(dataDir, id, options.env)) ?? (await download(dataDir, spec, options));
  return { id, dir: installed.dir, localModelPath: installed.root, spec };
}

export interface ResolvedChatModel {
  id: string;
  /** The .gguf file, or the Hugging Face model folder. */
  path: string;
  format: 'gguf' | 'hf-folder';
  manifest: InstalledModel;
}

export async function resolveChatModel(dataDir: string, id: string, options: ResolveOptions = {}): Promise<ResolvedChatModel> {
  const installed = (await findInstalled(dataDir, id, options.env)) ?? (await download(dataDir, requireCatalogEntry(id), options));
  if (installed.kind !== 'chat' || installed.format === 'transformers-js') {
    throw new AppError('model_wrong_kind', `${id} is ${installed.kind === 'reranker' ? 'a reranking' : 'an embedding'} model, not a chat model. Pick one of the chat models.`);
  }
  return { id, path: installed.path, format: installed.format, manifest: installed };
}

async function download(dataDir: string, entry: CatalogEntry, options: ResolveOptions): Promise<InstalledModel> {
  if (!options.download) {
    const what = `${entry.kind === 'reranker' ? 'reranking' : entry.kind} model`;
    throw new AppError('model_not_installed', `The ${what} ${entry.id} is not downloaded yet. Download it under Models, or run: lockstep models pull ${entry.id}`);
  }
  const root = modelsDir(dataDir);
  const pulled = await pullModel(entry, { ...options, modelsDir: root });
  return { ...pulled, path: path.resolve(pulled.dir, pulled.entry), root, managed: true };
}

/** Folders (down to `depth` levels, hidden ones skipped) that hold a manifest; a model folder is not searched further. */
async function manifestFolders(root: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  if (entries.some((e) => e.isFile() && e.name === 'lockstep-model.json')) return [root];
  if (depth === 0) return [];
  const nested = await Promise.all(entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => manifestFolders(path.join(root, e.name), depth - 1)));
  return nested.flat();
}

async function unmanagedCatalogModel(root: string, entry: CatalogEntry): Promise<InstalledModel | null> {
  const dir = installDir(root, entry.id);
  const files: ModelManifest['files'] = [];
  for (const file of entry.files) {
    const size = await fileSizeOrNull(path.join(dir, file.path));
    if (size === null || (file.size !== null && size !== file.size)) return null;
    // Not verified by us: the folder is the user's, we only check that it is complete.
    files.push({ path: file.path, size, sha256: file.sha256 ?? '' });
  }
  const manifest = manifestForCatalogEntry(entry, files, dir, new Date(0).toISOString());
  return {
    ...manifest,
    dir,
    path: path.resolve(dir, manifest.entry),
    root,
    managed: false,
  };
}

async function fileSizeOrNull(file: string): Promise<number | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : null;
  } catch {
    return null;
  }
}
