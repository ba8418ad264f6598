import { beforeEach, describe, expect, it, vi } from 'vitest';

// The models store after a download: a failure stays on the model's row (for Retry) instead of a passing toast,
// and a model that finishes downloading, or is imported, becomes the active one of its kind.

const calls = vi.hoisted(() => ({ setActive: [] as unknown[], pulls: [] as { resolve(): void; reject(error: unknown): void }[], notice: undefined as string | undefined }));
vi.mock('../../../src/renderer/ipc/client', () => ({
  client: {
    models: {
      list: async () => ({ models: [{ id: 'tiny-chat', kind: 'chat', installed: false }], active: { chat: null, embedding: null } }),
      setActive: async (request: unknown) => (calls.setActive.push(request), { chat: 'tiny-chat', embedding: null }),
      import: async () => ({ id: 'my-model', kind: 'chat', name: 'My model', ...(calls.notice && { notice: calls.notice }) }),
      pull: () => {
        let settle!: { resolve(): void; reject(error: unknown): void };
        const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
        calls.pulls.push(settle);
        return { done, cancel: () => undefined };
      },
    },
  },
}));

const { importModel, loadModels, pullModel, useModelsStore } = await import('../../../src/renderer/stores/models/store');
const { useUiStore } = await import('../../../src/renderer/stores/ui/store');
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(async () => {
  calls.setActive.length = 0;
  calls.pulls.length = 0;
  calls.notice = undefined;
  useModelsStore.setState({ failures: {} });
  await loadModels();
});

describe('models store', () => {
  it('keeps an offline failure on the row, clears it on Retry, and selects the model once downloaded', async () => {
    pullModel('tiny-chat');
    calls.pulls[0].reject(Object.assign(new Error('No internet connection — Hugging Face could not be reached.'), { code: 'download_offline' }));
    await settled();
    expect(useModelsStore.getState().failures).toEqual({ 'tiny-chat': 'No internet connection — Hugging Face could not be reached.' });
    expect(calls.setActive).toEqual([]);

    pullModel('tiny-chat');
    expect(useModelsStore.getState().failures).toEqual({});
    calls.pulls[1].resolve();
    await settled();
    expect(calls.setActive).toEqual([{ kind: 'chat', id: 'tiny-chat' }]);
  });

  it('selects an imported model and says it was imported', async () => {
    expect(await importModel('/models/my-model.gguf')).toMatchObject({ id: 'my-model', name: 'My model' });
    expect(calls.setActive).toEqual([{ kind: 'chat', id: 'my-model' }]);
    expect(useUiStore.getState().toast).toBe('Imported My model.');
  });

  it("shows the loader's notice with the import result", async () => {
    calls.notice = 'Gemma3ForConditionalGeneration is a vision-language model: Lockstep runs its text model and does not use images (4 vision tensors left unread).';
    expect(await importModel('/models/gemma-3-4b-it')).toMatchObject({ notice: calls.notice });
    expect(useUiStore.getState().toast).toBe(`Imported My model. ${calls.notice}`);
  });
});
