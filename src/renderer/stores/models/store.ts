import { create } from 'zustand';
import type { ActiveModels, DownloadProgress, InstalledModelSummary, ModelListing } from '../../../shared/contract/models';
import type { StreamHandle } from '../../../shared/contract/define';
import { translateNow } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage, isCancelled } from '../../ipc/errors';
import { showToast, withToast } from '../ui/store';

interface ModelsState {
  models: ModelListing[];
  active: ActiveModels | null;
  /** Live downloads by model id. */
  downloads: Record<string, DownloadProgress>;
  /** Why the last download of a model failed, shown on its row beside Retry. */
  failures: Record<string, string>;
  loaded: boolean;
  error: string | null;
}

export const useModelsStore = create<ModelsState>()(() => ({ models: [], active: null, downloads: {}, failures: {}, loaded: false, error: null }));

const pulls = new Map<string, StreamHandle>();

export async function loadModels(): Promise<void> {
  try {
    const { models, active } = await client.models.list({});
    useModelsStore.setState({ models, active, loaded: true, error: null });
  } catch (error) {
    useModelsStore.setState({ loaded: true, error: errorMessage(error) });
  }
}

export function pullModel(id: string): void {
  if (pulls.has(id)) return;
  useModelsStore.setState((s) => ({ failures: Object.fromEntries(Object.entries(s.failures).filter(([key]) => key !== id)) }));
  const handle = client.models.pull({ id }, (event) => {
    if (event.type === 'progress') useModelsStore.setState((s) => ({ downloads: { ...s.downloads, [id]: event } }));
  });
  pulls.set(id, handle);
  handle.done
    .then(
      // A model the user just downloaded is the one they want to use.
      () => selectNewModel(id),
      (error) => {
        if (!isCancelled(error)) useModelsStore.setState((s) => ({ failures: { ...s.failures, [id]: errorMessage(error) } }));
      },
    )
    .finally(() => {
      pulls.delete(id);
      useModelsStore.setState((s) => {
        const downloads = { ...s.downloads };
        delete downloads[id];
        return { downloads };
      });
      void loadModels();
    });
}

/** Makes a newly installed model the active one of its kind (a reranker needs no choosing: search uses it once installed). */
async function selectNewModel(id: string, kind?: ModelListing['kind']): Promise<void> {
  const modelKind = kind ?? useModelsStore.getState().models.find((m) => m.id === id)?.kind;
  if (modelKind && modelKind !== 'reranker') await setActiveModel(modelKind, id);
  else await loadModels();
}

export const cancelPull = (id: string) => pulls.get(id)?.cancel();

export async function removeModel(id: string): Promise<void> {
  await withToast(async () => {
    await client.models.remove({ id });
  });
  await loadModels();
}

/** Imports and selects a model, and says so with the loader's notice (a multimodal model's images are not used). */
export async function importModel(path: string): Promise<InstalledModelSummary | null> {
  try {
    const model = await client.models.import({ path });
    await selectNewModel(model.id, model.kind);
    showToast(importedMessage(model));
    return model;
  } catch (error) {
    showToast(errorMessage(error));
    return null;
  }
}

export const importedMessage = (model: Pick<InstalledModelSummary, 'name' | 'notice'>): string =>
  model.notice ? `${translateNow('models.imported', { name: model.name })} ${model.notice}` : translateNow('models.imported', { name: model.name });

export const setActiveModel = (kind: ModelListing['kind'], id: string | null) =>
  withToast(async () => {
    const active = await client.models.setActive({ kind, id });
    useModelsStore.setState({ active });
    await loadModels();
  });
