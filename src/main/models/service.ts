import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ActiveModels, InstalledModelSummary, ModelListing } from '../../shared/contract/models';
import { AppError } from '../../shared/errors';
import { modelsDir } from '../platform/paths';
import { catalog, chatCompatibility, DEFAULT_EMBEDDER_ID, findCatalogEntry, requireCatalogEntry, type ChatCompatibility, type ModelKind } from './catalog';
import { fileSize } from './disk';
import { partialPath } from './download';
import { importModel, type ImportOptions } from './import';
import { discardDownload, pullModel, stagingDir, type PullOptions } from './pull';
import { discoverInstalled, findInstalled, type Env, type InstalledModel } from './registry';

// The model manager as the CLI and the IPC handlers use it: list, pull, import, remove, and the active choice.

/** The slice of the settings store the active-model choice lives in (the app's SettingsStore fits). */
export interface ModelSettingsStore {
  get(): { chatModelId: string | null; embedderId: string };
  update(patch: { chatModelId?: string | null; embedderId?: string }): unknown;
}

export type PullRequestOptions = Omit<PullOptions, 'modelsDir'>;

export type { ActiveModels, ModelListing };

export class ModelService {
  constructor(
    readonly dataDir: string,
    private readonly settings?: ModelSettingsStore,
    private readonly env: Env = process.env,
  ) {}

  get modelsDir(): string {
    return modelsDir(this.dataDir);
  }

  async list(): Promise<ModelListing[]> {
    const installed = await discoverInstalled(this.dataDir, this.env);
    const active = this.getActive();
    const byId = new Map(installed.map((m) => [m.id, m]));
    const listings: ModelListing[] = [];
    for (const entry of catalog) {
      const model = byId.get(entry.id);
      listings.push({
        id: entry.id,
        kind: entry.kind,
        name: entry.name,
        source: 'catalog',
        format: entry.kind === 'chat' ? 'gguf' : 'transformers-js',
        installed: model !== undefined,
        active: entry.id === (entry.kind === 'chat' ? active.chat : active.embedding),
        path: model?.path ?? null,
        location: model ? (model.managed ? 'app' : 'shared') : null,
        sizeBytes: model ? model.files.reduce((sum, f) => sum + f.size, 0) : entry.downloadBytes,
        partialBytes: model ? 0 : await this.partialBytes(entry.id),
        memoryBytes: entry.memoryBytes,
        architecture: entry.kind === 'chat' ? entry.architecture : null,
        quantization: entry.kind === 'chat' ? entry.quantization : null,
        compatibility: entry.kind === 'chat' ? chatCompatibility(entry.architecture, entry.quantization) : null,
        licence: entry.licence,
        embedding:
          entry.kind === 'embedding'
            ? { dimension: entry.dimension, pooling: entry.pooling, queryPrefix: entry.queryPrefix, passagePrefix: entry.passagePrefix, maxTokens: entry.maxTokens }
            : null,
      });
    }
    for (const model of installed.filter((m) => !findCatalogEntry(m.id))) listings.push(this.listingOf(model, active));
    return listings;
  }

  async pull(id: string, options: PullRequestOptions = {}): Promise<InstalledModel> {
    const entry = requireCatalogEntry(id);
    const existing = await findInstalled(this.dataDir, id, this.env);
    if (existing) return existing;
    const pulled = await pullModel(entry, { ...options, modelsDir: this.modelsDir });
    return { ...pulled, path: path.resolve(pulled.dir, pulled.entry), root: this.modelsDir, managed: true };
  }

  import(source: string, options: Omit<ImportOptions, 'env'> = {}): Promise<InstalledModel> {
    return importModel(this.dataDir, source, { ...options, env: this.env });
  }

  /** Deletes an installed model from the app's folder, or an unfinished download of it. */
  async remove(id: string): Promise<{ id: string; removed: string }> {
    const model = await findInstalled(this.dataDir, id, this.env);
    if (!model) {
      const entry = findCatalogEntry(id);
      if (entry && (await this.partialBytes(id)) > 0) {
        await discardDownload(this.modelsDir, entry);
        return { id, removed: stagingDir(this.modelsDir, id) };
      }
      throw new AppError('model_not_installed', `No installed model is called "${id}". Run lockstep models list to see what is installed.`);
    }
    if (!model.managed) {
      throw new AppError('model_not_removable', `${id} lives in LOCKSTEP_MODELS_DIR (${model.dir}); Lockstep does not delete files it did not download. Remove it there.`);
    }
    await rm(model.dir, { recursive: true, force: true });
    await pruneEmptyParents(path.dirname(model.dir), this.modelsDir);
    const active = this.getActive();
    if (active.chat === id) this.settings?.update({ chatModelId: null });
    if (active.embedding === id && id !== DEFAULT_EMBEDDER_ID) this.settings?.update({ embedderId: DEFAULT_EMBEDDER_ID });
    return { id, removed: model.dir };
  }

  getActive(): ActiveModels {
    const settings = this.settings?.get();
    return { chat: settings?.chatModelId ?? null, embedding: settings?.embedderId ?? DEFAULT_EMBEDDER_ID };
  }

  /** Makes an installed model the one chat (or retrieval) uses; chat accepts null for "none". */
  async setActive(kind: ModelKind, id: string | null): Promise<ActiveModels> {
    if (!this.settings) throw new AppError('settings_unavailable', 'Settings are not available here, so the active model cannot be changed.');
    if (kind === 'chat' && id === null) {
      this.settings.update({ chatModelId: null });
      return this.getActive();
    }
    if (kind === 'reranker') throw new AppError('model_wrong_kind', 'A reranker is not selected here: once installed, search uses it while "Rerank with" is on in Settings → Library and search.');
    if (id === null) throw new AppError('model_required', 'Choose an embedding model: retrieval always needs one.');
    const model = await findInstalled(this.dataDir, id, this.env);
    if (!model) throw new AppError('model_not_installed', `${id} is not installed. Download or import it first, then select it.`);
    const article = (k: ModelKind) => (k === 'chat' ? 'a chat' : k === 'embedding' ? 'an embedding' : 'a reranking');
    if (model.kind !== kind) throw new AppError('model_wrong_kind', `${id} is ${article(model.kind)} model, not ${article(kind)} model.`);
    this.settings.update(kind === 'chat' ? { chatModelId: id } : { embedderId: id });
    return this.getActive();
  }

  private listingOf(model: InstalledModel, active: ActiveModels): ModelListing {
    return {
      id: model.id,
      kind: model.kind,
      name: model.name,
      source: model.source,
      format: model.format,
      installed: true,
      active: model.id === (model.kind === 'chat' ? active.chat : active.embedding),
      path: model.path,
      location: model.managed ? 'app' : 'shared',
      sizeBytes: model.files.reduce((sum, f) => sum + f.size, 0),
      partialBytes: 0,
      memoryBytes: null,
      architecture: model.architecture,
      quantization: null,
      // an imported model was inspected (architecture and tensor types) before it was listed
      compatibility: model.kind === 'chat' && model.architecture ? withNotice(chatCompatibility(model.architecture, null), model.notice) : null,
      licence: model.licence,
      embedding: null,
    };
  }

  private async partialBytes(id: string): Promise<number> {
    const entry = findCatalogEntry(id);
    if (!entry) return 0;
    const staging = stagingDir(this.modelsDir, id);
    const sizes = await Promise.all(entry.files.map(async (f) => (await fileSize(path.join(staging, f.path))) + (await fileSize(partialPath(path.join(staging, f.path))))));
    return sizes.reduce((a, b) => a + b, 0);
  }
}

/** The short form of an installed model that IPC and `--json` callers get. */
export function summarize(model: InstalledModel): InstalledModelSummary {
  return {
    id: model.id,
    kind: model.kind,
    name: model.name,
    format: model.format,
    source: model.source,
    path: model.path,
    sizeBytes: model.files.reduce((sum, f) => sum + f.size, 0),
    architecture: model.architecture,
    ...(model.notice && { notice: model.notice }),
  };
}

/** The compatibility note with what the loader said at import (a multimodal model's images are not used). */
function withNotice(compatibility: ChatCompatibility, notice: string | undefined): ChatCompatibility {
  return notice ? { ...compatibility, note: `${compatibility.note} ${notice}` } : compatibility;
}

/** Removes folders left empty by a removal (e.g. models/Xenova/), never the models folder itself. */
async function pruneEmptyParents(dir: string, stopAt: string): Promise<void> {
  for (let current = dir; current.startsWith(stopAt + path.sep); current = path.dirname(current)) {
    if ((await readdir(current).catch(() => ['?'])).length > 0) return;
    await rm(current, { recursive: true, force: true });
  }
}
