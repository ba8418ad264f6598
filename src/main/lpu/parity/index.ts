import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { openModel } from '../loader';
import type { ModelSource } from '../loader/model-source';
import { createTokenizer } from '../tokenizer';
import { compile } from '../compiler/pipeline';
import { storedTypesOf } from '../compiler/passes/quantize';
import { createArena } from '../runtime/arena';
import { loadWeights } from '../runtime/load-weights';
import { defaultKernelSetName, kernelSetFactory, type KernelSetName } from '../kernels/registry';
import { Executor } from '../runtime/executor';
import { openLlamaCpp } from './llama-cpp';
import { RANDOM_ARCHS, RANDOM_MODEL_FORMATS, RANDOM_MODEL_SEED, RANDOM_MODEL_VOCABULARY, writeRandomArchGguf } from './random-model';
import { cachedRandomArchGguf } from './model-cache';
import { SUPPORTED_ARCHITECTURES, type Architecture } from '../loader/model-source';

// The parity check: the emulator and llama.cpp evaluate the same GGUF on the same prompt, position by position.

export interface ParityReport {
  arch: string;
  /** The file's matrix format (the most common stored type among 2-D tensors). */
  format: string;
  positions: number;
  /** Fraction of positions where both pick the same most likely next token. */
  top1Agreement: number;
  maxAbsLogitError: number;
  rmsLogitError: number;
  /** Largest |logit| llama.cpp produced, to read the errors against. */
  maxAbsLogit: number;
  /**
   * Positions where llama.cpp's two most likely tokens are within 2 × maxAbsLogitError of each other: there the order
   * can flip within the measured error, so a top-1 disagreement is a near tie, not a wrong answer.
   */
  nearTiePositions: number;
  /** llama.cpp's lead (its top logit minus its runner-up) at each position where the two pick different tokens. */
  disagreementMargins: number[];
  /**
   * Disagreements where llama.cpp's lead exceeds maxAbsLogitError: the count that means a wrong answer. Within that lead
   * the measured error alone can reorder the two tokens (both sides round activations independently), beyond it not.
   */
  clearDisagreements: number;
  /** Both sides against the exact computation of the same weights, when asked for (ParityOptions.exact). */
  exact?: ExactComparison;
  /** Whether our tokenizer gives llama.cpp's ids for the prompt text. */
  tokenizerMatch: boolean;
  llamaCpp: string;
}

/**
 * The emulator and llama.cpp each against the exact f32 computation of the file's weights (dequantized, activations
 * never rounded, the emulator's f32 path, which matches llama.cpp's F32 files to ~0.1%): an error of ours, rather than
 * rounding noise, would leave us further from it than llama.cpp is.
 */
export interface ExactComparison {
  maxAbsLogitError: number;
  rmsLogitError: number;
  top1Agreement: number;
  llamaCpp: { maxAbsLogitError: number; rmsLogitError: number; top1Agreement: number };
}

export interface ParityOptions {
  /** Prompt positions to compare (≤ 64 by default; the prompt repeats to fill them). */
  tokens?: number;
  prompt?: string;
  /** Emulator kernels (default: the runtime's default set). */
  kernels?: KernelSetName;
  /** Also run the exact f32 computation and measure both sides against it (ParityReport.exact). */
  exact?: boolean;
}

/** A prompt mixing English, code, numbers, Chinese, emoji and whitespace runs, so every vocabulary path is exercised. */
export const PARITY_PROMPT = 'The quick brown fox jumps over 13 lazy dogs.\nfunction add(a, b) {\n    return a + b;\n}\n天气很好，我们去散步吧。 Emoji: 🦊🚀   tabs\tand  spaces.';

function matrixFormat(source: ModelSource): string {
  const counts = new Map<string, number>();
  for (const w of source.weights.values()) if (w.rows > 1) counts.set(w.storedType, (counts.get(w.storedType) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
}

/** Compares the emulator's logits with llama.cpp's on `file` over the first `tokens` positions of the prompt. */
export async function runParity(file: string, opts: ParityOptions = {}): Promise<ParityReport> {
  const positions = opts.tokens ?? 64;
  if (!Number.isInteger(positions) || positions < 1 || positions > 512) throw new AppError('invalid_option', `--tokens must be a whole number from 1 to 512, not ${opts.tokens}.`);
  const source = openModel(file);
  if (source.format !== 'gguf') throw new AppError('invalid_option', 'The parity check compares GGUF files with llama.cpp; convert this model to GGUF first.');
  const format = matrixFormat(source);
  const llama = await openLlamaCpp(file, positions);
  try {
    const prompt = opts.prompt ?? PARITY_PROMPT;
    const theirs = llama.tokenize(prompt);
    const tokenizer = await createTokenizer(source.tokenizer);
    const ours = tokenizer.encode(prompt, { addBos: false });
    const tokenizerMatch = ours.length === theirs.length && ours.every((t, i) => t === theirs[i]);
    const bos = tokenizer.addBosByDefault && tokenizer.bosTokenId !== undefined ? [tokenizer.bosTokenId] : [];
    const ids = [...bos];
    while (ids.length < positions) ids.push(...theirs);
    ids.length = positions;

    const expected = await llama.logitsPerPosition(ids);
    const actual = await emulatorLogits(source, ids, opts.kernels);
    for (let p = 0; p < positions; p++) {
      if (actual[p]!.length !== expected[p]!.length) throw new Error(`vocabulary sizes differ: emulator ${actual[p]!.length}, llama.cpp ${expected[p]!.length}`);
    }
    const diff = compareLogits(actual, expected);
    const margins = expected.map(topMargin);
    const disagreementMargins = margins.filter((_, p) => argmax(actual[p]!) !== argmax(expected[p]!));
    let exact: ExactComparison | undefined;
    if (opts.exact) {
      const reference = await emulatorLogits(source, ids, opts.kernels, 'f32');
      const ours = compareLogits(actual, reference), theirs = compareLogits(expected, reference);
      exact = { ...ours.summary, llamaCpp: theirs.summary };
    }
    return {
      arch: source.config.architecture, format, positions, ...diff.summary, maxAbsLogit: diff.maxAbsLogit,
      nearTiePositions: margins.filter((m) => m <= 2 * diff.summary.maxAbsLogitError).length, disagreementMargins,
      clearDisagreements: disagreementMargins.filter((m) => m > diff.summary.maxAbsLogitError).length,
      ...(exact && { exact }), tokenizerMatch, llamaCpp: llama.name,
    };
  } finally {
    await llama.dispose();
  }
}

export interface RandomModelOptions {
  /** Ordinary tokens kept from the vocabulary (default RANDOM_MODEL_VOCABULARY). */
  vocabulary?: number;
  /** A folder where the model is kept for the next run with the same arguments (tests), instead of a temporary one. */
  cacheDir?: string;
}

/**
 * Writes the random model of `arch` in `format` (a tensor type or a llama.cpp K-quant mix) to a temporary folder (or
 * finds it in opts.cacheDir), runs the parity check on it, removes the temporary folder.
 */
export async function runRandomParity(arch: string, format: string, opts: ParityOptions & RandomModelOptions = {}): Promise<ParityReport> {
  if (!SUPPORTED_ARCHITECTURES.includes(arch as Architecture)) {
    throw new AppError('invalid_option', `There is no random model for "${arch}"; choose one of ${SUPPORTED_ARCHITECTURES.join(', ')}.`);
  }
  const type = RANDOM_MODEL_FORMATS.find((f) => f === format.toUpperCase());
  if (!type) throw new AppError('invalid_option', `Unknown format "${format}"; choose one of ${RANDOM_MODEL_FORMATS.join(', ')}.`);
  const spec = RANDOM_ARCHS[arch as Architecture], vocabulary = opts.vocabulary ?? RANDOM_MODEL_VOCABULARY;
  const cached = opts.cacheDir ? cachedRandomArchGguf(opts.cacheDir, spec, type, RANDOM_MODEL_SEED, vocabulary) : null;
  if (cached) return await runParity(cached, opts);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-parity-'));
  try {
    const file = path.join(dir, `random-${arch}-${type}.gguf`);
    writeRandomArchGguf(file, spec, type, RANDOM_MODEL_SEED, vocabulary);
    return await runParity(file, opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The emulator's logits after each token, one decode step per position (every position's logits come out), with the
 * weights at the file's own width as the runtime loads them by default, or dequantized to f32 (the exact computation).
 */
export async function emulatorLogits(source: ModelSource, ids: number[], kernels?: KernelSetName, weights: 'native' | 'f32' = 'native'): Promise<Float32Array[]> {
  const { program } = compile(source.config, { weights, storedTypes: storedTypesOf(source.weights), bucket: 512, rows: 1 }, source.hash);
  const memory = createArena(program.arenaBytes);
  loadWeights(program, source.weights, memory);
  const set = await (await kernelSetFactory(kernels ?? await defaultKernelSetName()))(memory);
  const executor = new Executor(program, memory, set);
  const out: Float32Array[] = [];
  for (let p = 0; p < ids.length; p++) {
    const ptr = executor.step([ids[p]!], 1, p);
    out.push(new Float32Array(memory.buffer, ptr, program.config.vocabSize).slice());
  }
  return out;
}

/** `actual` against `expected`, position by position: max and RMS difference, top-1 agreement, largest |expected|. */
function compareLogits(actual: Float32Array[], expected: Float32Array[]): { summary: { maxAbsLogitError: number; rmsLogitError: number; top1Agreement: number }; maxAbsLogit: number } {
  let agree = 0, maxErr = 0, sumSq = 0, count = 0, maxLogit = 0;
  expected.forEach((e, p) => {
    const a = actual[p]!;
    if (argmax(a) === argmax(e)) agree++;
    for (let i = 0; i < e.length; i++) {
      const d = a[i]! - e[i]!;
      maxErr = Math.max(maxErr, Math.abs(d));
      maxLogit = Math.max(maxLogit, Math.abs(e[i]!));
      sumSq += d * d;
    }
    count += e.length;
  });
  return { summary: { maxAbsLogitError: maxErr, rmsLogitError: Math.sqrt(sumSq / count), top1Agreement: agree / expected.length }, maxAbsLogit: maxLogit };
}

/** The most likely logit minus the runner-up's. */
function topMargin(x: Float32Array): number {
  let first = -Infinity, second = -Infinity;
  for (const v of x) {
    if (v > first) { second = first; first = v; } else if (v > second) second = v;
  }
  return first - second;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}
