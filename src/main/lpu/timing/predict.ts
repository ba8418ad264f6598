import { AppError } from '../../../shared/errors';
import { predictDeployment, PUBLISHED_HARDWARE, type Breakdown, type Hardware } from './deployment';
import { PUBLISHED_POINTS, TIMING_PRESETS } from './presets';

export interface TimingPrediction {
  preset: string;
  model: string;
  chips: number;
  chipsNeeded: number;
  tp: number;
  stages: number;
  promptTokens: number;
  cyclesPerDecodeToken: number;
  ttft_ms: number;
  decode_tok_s: number;
  sramMiBMaxPerChip: number;
  breakdown: Breakdown;
  dominantTerm: keyof Breakdown;
  hardware: { c2c_gbps: number; sram_mib: number; exchange_us: number };
  published: { decode_tok_s: number; source: string } | null;
}

export interface PredictOptions {
  chips?: number;
  promptTokens?: number;
  outputTokens?: number;
  /** What-if overrides of the published hardware. */
  c2cGBps?: number;
  sramMiB?: number;
}

/** Timing-only mode: the deployment model (docs/lpu-fidelity.md) of a published shape, no weights needed. */
export function predict(presetName: string, opts: PredictOptions = {}): TimingPrediction {
  const preset = TIMING_PRESETS[presetName];
  if (!preset) throw new AppError('invalid_option', `Unknown preset "${presetName}"; choose one of ${Object.keys(TIMING_PRESETS).join(', ')}.`);
  const hardware: Hardware = {
    ...PUBLISHED_HARDWARE,
    ...(opts.c2cGBps !== undefined ? { linkBytesPerSecond: opts.c2cGBps * 1e9 } : {}),
    ...(opts.sramMiB !== undefined ? { sramBytesPerChip: opts.sramMiB * 2 ** 20 } : {}),
  };
  const promptTokens = opts.promptTokens ?? 550;
  const r = predictDeployment(preset, { chips: opts.chips, hardware, workload: { promptTokens, outputTokens: opts.outputTokens ?? 150 } });
  const published = PUBLISHED_POINTS.find((p) => p.preset === presetName);
  return {
    preset: presetName,
    model: preset.name,
    chips: r.chips,
    chipsNeeded: r.chipsNeeded,
    tp: r.tp,
    stages: r.stages,
    promptTokens,
    cyclesPerDecodeToken: r.cyclesPerDecodeToken,
    ttft_ms: r.ttft_ms,
    decode_tok_s: r.decode_tok_s,
    sramMiBMaxPerChip: r.residentBytes.maxPerChip / 2 ** 20,
    breakdown: r.breakdown,
    dominantTerm: r.dominantTerm,
    hardware: { c2c_gbps: hardware.linkBytesPerSecond / 1e9, sram_mib: hardware.sramBytesPerChip / 2 ** 20, exchange_us: hardware.exchangeSeconds * 1e6 },
    published: published ? { decode_tok_s: published.value, source: published.source } : null,
  };
}
