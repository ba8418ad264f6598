import type { LockstepHandlers } from '../../shared/contract/index';
import { predict } from '../lpu/timing/predict';
import { createScheduleRunner } from '../lpu/timing/schedule-runner';
import { listPresets } from '../lpu/timing/timeline';

/** The Schedule tab: presets, their compiled timelines (compiled off the main thread) and the what-if model. */
export function lpuHandlers(): LockstepHandlers['lpu'] {
  const runner = createScheduleRunner();
  return {
    presets: () => listPresets(),
    schedule: ({ preset, chips }) => runner.schedule(preset, chips),
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
