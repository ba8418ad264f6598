import { AppError } from '../../../shared/errors';
import { compile } from '../compiler/pipeline';
import { prefillCycles } from '../compiler/passes/emit';
import { CLOCK_HZ } from '../compiler/cost-model';
import { TIMING_PRESETS } from './presets';

export interface TimingPrediction {
  preset: string;
  chips: number;
  tp: number;
  stages: number;
  bucket: number;
  promptTokens: number;
  cyclesPerDecodeToken: number;
  cyclesPerPrefillChunk: number;
  ttft_ms: number;
  decode_tok_s: number;
  sramMiBMaxPerChip: number;
  utilisation: Record<string, number>;
}

/**
 * Timing-only mode: compiles a preset's shape through the same passes as a real model (int8 weights, no data)
 * and reads TTFT and decode speed off the static schedule.
 */
export function predict(presetName: string, opts: { chips?: number; promptTokens?: number; bucket?: number } = {}): TimingPrediction {
  const config = TIMING_PRESETS[presetName];
  if (!config) throw new AppError('invalid_option', `Unknown preset "${presetName}"; choose one of ${Object.keys(TIMING_PRESETS).join(', ')}.`);
  const promptTokens = opts.promptTokens ?? 550;
  const { program } = compile(config, { chips: opts.chips, bucket: opts.bucket ?? 1024, weights: 'int8' });
  // TTFT: prefill chunks stream through the pipeline stages; the first token falls out of the last chunk.
  const ttftCycles = prefillCycles(program, promptTokens);
  return {
    preset: presetName,
    chips: program.partitioning.chips,
    tp: program.partitioning.tp,
    stages: program.partitioning.stages,
    bucket: program.bucket,
    promptTokens,
    cyclesPerDecodeToken: program.cycles.perDecodeToken,
    cyclesPerPrefillChunk: program.cycles.perPrefillChunk,
    ttft_ms: (ttftCycles / CLOCK_HZ) * 1000,
    decode_tok_s: CLOCK_HZ / program.cycles.perDecodeToken,
    sramMiBMaxPerChip: Math.max(...program.memory.bytesPerChip) / 2 ** 20,
    utilisation: program.utilisation.decode,
  };
}
