import type { LockstepHandlers } from '../../shared/contract/index';
import type { ActiveModel } from '../../shared/contract/lpu';
import { AppError } from '../../shared/errors';
import { findInstalled } from '../models/registry';
import { ModelService, type ModelSettingsStore } from '../models/service';
import { predict } from '../lpu/timing/predict';
import { createScheduleRunner } from '../lpu/timing/schedule-runner';
import { listPresets } from '../lpu/timing/timeline';

/** The Schedule tab: presets and the active model, their compiled timelines (off the main thread), the what-if model. */
export function lpuHandlers(services: { dataDir: string; settings?: ModelSettingsStore }): LockstepHandlers['lpu'] {
  const runner = createScheduleRunner();
  const models = new ModelService(services.dataDir, services.settings);
  /** The active chat model when it is an installed GGUF file, which the emulator compiles. */
  const activeGguf = async (): Promise<(ActiveModel & { path: string }) | null> => {
    const id = models.getActive().chat;
    const installed = id ? await findInstalled(services.dataDir, id) : undefined;
    return installed && installed.path.toLowerCase().endsWith('.gguf') ? { id: installed.id, name: installed.name, path: installed.path } : null;
  };
  return {
    presets: async () => {
      const active = await activeGguf();
      return { presets: listPresets(), active: active ? { id: active.id, name: active.name } : null };
    },
    schedule: async ({ source, chips }) => {
      if ('preset' in source) return runner.schedule({ preset: source.preset }, chips);
      const active = await activeGguf();
      if (!active) throw new AppError('no_active_model', 'No chat model the emulator can compile is active. Choose a GGUF chat model in Settings → Models, or pick a preset.');
      return runner.schedule({ modelPath: active.path }, chips);
    },
    whatIf: ({ preset, chips, c2cGBps, sramMiB }) => {
      const r = predict(preset, { chips, c2cGBps, sramMiB });
      return {
        preset: r.preset, model: r.model, chips: r.chips, chipsNeeded: r.chipsNeeded, tp: r.tp, stages: r.stages,
        decodeTokS: r.decode_tok_s, ttftMs: r.ttft_ms, dominantTerm: r.dominantTerm, breakdown: r.breakdown,
        hardware: { c2cGBps: r.hardware.c2c_gbps, sramMiB: r.hardware.sram_mib, exchangeUs: r.hardware.exchange_us },
      };
    },
  };
}
