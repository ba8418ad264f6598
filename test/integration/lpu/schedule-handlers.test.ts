import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lpuHandlers } from '../../../src/main/handlers/lpu';
import { importModel } from '../../../src/main/models/import';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';

// The Schedule tab's IPC methods on a real data folder: presets, a preset's program compiled in a worker thread,
// the active chat model's own program, and the what-if model.

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lockstep-schedule-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ctx = { signal: new AbortController().signal, transport: 'test' };

describe('lpu handlers', () => {
  const settings = { chatModelId: null as string | null, embedderId: 'default' };
  const store = { get: () => settings, update: (patch: Partial<typeof settings>) => Object.assign(settings, patch) };
  const dataDir = path.join(tmp, 'data');
  const handlers = lpuHandlers({ dataDir, settings: store });

  it('lists presets (mixture of experts predicted, not compiled) and no active model on a fresh folder', async () => {
    const { presets, active } = await handlers.presets({}, ctx);
    expect(active).toBeNull();
    expect(presets.find((p) => p.name === 'smollm2-135m')).toMatchObject({ model: 'SmolLM2-135M', compilable: true });
    expect(presets.find((p) => p.name === 'mixtral-8x7b')).toMatchObject({ compilable: false, published: { decodeTokS: 480 } });
  });

  it('compiles a preset in a worker thread and keeps it for the next call', async () => {
    const [timeline, again] = await Promise.all([1, 2].map(() => handlers.schedule({ source: { preset: 'smollm2-135m' } }, ctx)));
    expect(again).toBe(timeline); // one compile, shared
    expect(timeline.model).toBe('SmolLM2-135M');
    expect(timeline.start.length).toBeGreaterThan(500);
    expect(timeline.critical.some((c) => c === 1)).toBe(true);
    await expect(handlers.schedule({ source: { preset: 'mixtral-8x7b' } }, ctx)).rejects.toThrow('Mixtral-8x7B is a mixture of experts');
  }, 60_000);

  it('compiles the active chat model once one is chosen, and says what to do when none is', async () => {
    await expect(handlers.schedule({ source: { activeModel: true } }, ctx)).rejects.toMatchObject({ code: 'no_active_model' });
    const installed = await importModel(dataDir, writeTinyLlamaFile(tmp), { id: 'tiny-llama' });
    settings.chatModelId = installed.id;
    expect((await handlers.presets({}, ctx)).active).toMatchObject({ id: 'tiny-llama' });
    const timeline = await handlers.schedule({ source: { activeModel: true }, chips: 2 }, ctx);
    expect(timeline.chips).toBe(2);
    expect(new Set(timeline.chip)).toEqual(new Set([0, 1]));
  }, 60_000);

  it('answers what-if questions from the deployment model', async () => {
    const base = await handlers.whatIf({ preset: 'llama-3.3-70b' }, ctx);
    const roomy = await handlers.whatIf({ preset: 'llama-3.3-70b', sramMiB: 440 }, ctx);
    expect(roomy.chipsNeeded).toBeLessThan(base.chipsNeeded);
    expect(base.hardware).toMatchObject({ c2cGBps: 15, sramMiB: 220 });
    expect(() => handlers.whatIf({ preset: 'llama-3.3-70b', chips: 64 }, ctx)).toThrow(/needs at least \d+ chips/);
  });
});
