import { openModel } from '../loader';
import { createTokenizer } from '../tokenizer';
import { compile } from '../compiler/pipeline';
import { storedTypesOf, type WeightFormat } from '../compiler/passes/quantize';
import { createArena } from './arena';
import { loadWeights } from './load-weights';
import { createTsKernels } from '../kernels/ts';
import { Executor } from './executor';

export interface QuantizationCost {
  weights: WeightFormat;
  /** Relative RMS error of the stored weights vs the file's values. */
  weightRelativeRmsError: number;
  /** Mean over positions of max|logit − f32 logit| / max|f32 logit|. */
  logitRelativeError: number;
  /** Fraction of positions whose most likely next token equals the f32 model's. */
  top1Agreement: number;
  positions: number;
}

const SAMPLE = 'The quick brown fox jumps over the lazy dog. Once upon a time, there was a little girl who loved to read books about the sea.';

/** The quantize pass's measured accuracy cost: the same tokens through f32 weights and through `weights`, compared per position. */
export async function measureQuantizationCost(modelPath: string, weights: WeightFormat, bucket?: number): Promise<QuantizationCost> {
  const source = openModel(modelPath);
  const tokens = (await createTokenizer(source.tokenizer)).encode(SAMPLE).slice(0, 64);
  const run = (format: WeightFormat) => {
    const { program } = compile(source.config, { weights: format, bucket, rows: 1, storedTypes: storedTypesOf(source.weights) }, source.hash);
    const memory = createArena(program.arenaBytes);
    const report = loadWeights(program, source.weights, memory);
    const executor = new Executor(program, memory, createTsKernels(memory));
    const logits = tokens.map((id, pos) => new Float32Array(memory.buffer, executor.step([id], 1, pos), program.config.vocabSize).slice());
    return { logits, report };
  };
  const reference = run('f32').logits;
  const { logits, report } = run(weights);
  let error = 0, agree = 0;
  logits.forEach((row, pos) => {
    const ref = reference[pos]!;
    let maxErr = 0, maxRef = 0, best = 0, bestRef = 0;
    for (let i = 0; i < row.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(row[i]! - ref[i]!));
      maxRef = Math.max(maxRef, Math.abs(ref[i]!));
      if (row[i]! > row[best]!) best = i;
      if (ref[i]! > ref[bestRef]!) bestRef = i;
    }
    error += maxErr / maxRef;
    if (best === bestRef) agree++;
  });
  return { weights, weightRelativeRmsError: report.weightRelativeRmsError, logitRelativeError: error / tokens.length, top1Agreement: agree / tokens.length, positions: tokens.length };
}
