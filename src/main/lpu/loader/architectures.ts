import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { isStringList, type GgufHeader } from './gguf';
import { SUPPORTED_ARCHITECTURES, type Architecture, type ModelConfig } from './model-source';

// What each architecture adds to the Llama block, read from GGUF metadata the way llama.cpp reads it
// (src/llama-model.cpp load_hparams and the per-architecture graphs), so the emulator computes what llama.cpp computes.

/** Architectures whose GGUF q/k rows are in rotate-half (NEOX) order: llama.cpp runs them with NEOX RoPE. */
export const NEOX_ROPE: ReadonlySet<Architecture> = new Set(['qwen2', 'qwen3', 'gemma2', 'gemma3', 'phi3']);

/** Gemma's 27B models scale queries by 1/√(dim/heads) instead of 1/√headDim (query_pre_attn_scalar). */
const GEMMA_27B_LAYERS: Partial<Record<Architecture, number>> = { gemma2: 46, gemma3: 62 };

export interface RopeScaling {
  /** Divisors per rotated pair from the file's rope_freqs tensor, when it has one. */
  freqFactors?: number[];
}

/** [architecture].* hyperparameters from GGUF metadata; `scaling` carries what only tensors hold. */
export function ggufConfig(header: GgufHeader, filePath: string, scaling: RopeScaling = {}): ModelConfig {
  const md = header.metadata;
  const arch = String(md.get('general.architecture') ?? '');
  if (arch === 'clip') {
    // llama.cpp splits a vision-language model into its text GGUF and this image projector (mmproj-*.gguf)
    throw new AppError('unsupported_model', `${path.basename(filePath)} is the image projector (mmproj) of a vision-language model, not a language model; Lockstep runs text only, so import the model's own GGUF instead.`);
  }
  if (!SUPPORTED_ARCHITECTURES.includes(arch as Architecture)) {
    throw new AppError('unsupported_model', `The model architecture "${arch || 'unknown'}" is not supported by the LPU emulator; it runs ${SUPPORTED_ARCHITECTURES.join(', ')} models.`);
  }
  const architecture = arch as Architecture;
  const file = path.basename(filePath);
  const opt = (key: string): number | undefined => { const v = md.get(`${arch}.${key}`); return v === undefined ? undefined : Number(v); };
  const num = (key: string, fallback?: number): number => {
    const v = opt(key) ?? fallback;
    if (v === undefined) throw new AppError('unsupported_model', `The GGUF file ${file} lacks ${arch}.${key}, so its shape is unknown.`);
    return v;
  };
  const tensor = (name: string) => header.tensors.find((t) => t.name === name);
  const dim = num('embedding_length');
  const nHeads = num('attention.head_count');
  const nLayers = num('block_count');
  const headDim = num('attention.key_length', dim / nHeads);
  const embd = tensor('token_embd.weight');
  if (!embd) throw new AppError('unsupported_model', `The GGUF file ${file} has no token_embd.weight tensor.`);
  const tokens = md.get('tokenizer.ggml.tokens');
  const ropeTheta = num('rope.freq_base', 10000);
  const config: ModelConfig = {
    architecture,
    name: String(md.get('general.name') ?? path.basename(filePath, '.gguf')),
    dim,
    hiddenDim: num('feed_forward_length'),
    nLayers,
    nHeads,
    nKvHeads: num('attention.head_count_kv', nHeads),
    headDim,
    vocabSize: embd.dims[1] ?? (isStringList(tokens) ? tokens.length : 0),
    contextLength: num('context_length'),
    ropeTheta,
    rmsEps: num('attention.layer_norm_rms_epsilon', 1e-5),
    tiedEmbeddings: !tensor('output.weight'),
    qkvBias: !!tensor('blk.0.attn_q.bias'),
  };
  if (opt('attention.value_length') !== undefined && opt('attention.value_length') !== headDim) {
    throw new AppError('unsupported_model', `The GGUF file ${file} has value heads of ${opt('attention.value_length')} and key heads of ${headDim}; the LPU emulator needs them equal.`);
  }
  const rotated = opt('rope.dimension_count');
  if (rotated !== undefined && rotated !== headDim) {
    throw new AppError('unsupported_model', `The GGUF file ${file} rotates ${rotated} of ${headDim} head dimensions (partial RoPE), which the LPU emulator does not support.`);
  }
  Object.assign(config, ropeScalingConfig(md, arch, file, headDim, ropeTheta, scaling));

  const gemma = architecture === 'gemma2' || architecture === 'gemma3';
  if (architecture === 'phi3' && (tensor('rope_factors_long.weight') || tensor('rope_factors_short.weight'))) {
    throw new AppError('unsupported_model', `The GGUF file ${file} is a long-context Phi-3 (LongRoPE factors), which the LPU emulator does not support yet; use a 4k-context Phi-3 GGUF.`);
  }
  Object.assign(config, architectureBlocks(config, {
    // GGUF has no query_pre_attn_scalar: llama.cpp tells the 27B models by their layer count
    queryPreAttnScalar: gemma && nLayers === GEMMA_27B_LAYERS[architecture] ? dim / nHeads : headDim,
    // llama.cpp's defaults when a Gemma 2 file omits them
    attnSoftcap: architecture === 'gemma2' ? opt('attn_logit_softcapping') ?? 50 : undefined,
    finalSoftcap: architecture === 'gemma2' ? opt('final_logit_softcapping') ?? 30 : undefined,
    slidingWindow: architecture === 'gemma2' ? opt('attention.sliding_window') ?? 4096 : architecture === 'gemma3' ? num('attention.sliding_window') : undefined,
    ropeThetaSwa: architecture === 'gemma3' ? opt('rope.freq_base_swa') ?? 10000 : undefined,
  }));
  return config;
}

/** What a file states beyond Llama's hyperparameters (GGUF metadata or config.json); undefined where it is silent. */
export interface ArchitectureParams {
  /** Gemma: queries are scaled by 1/√query_pre_attn_scalar. */
  queryPreAttnScalar?: number;
  attnSoftcap?: number;
  finalSoftcap?: number;
  slidingWindow?: number;
  /** Gemma 3's RoPE base on sliding-window layers. */
  ropeThetaSwa?: number;
}

/**
 * What each architecture adds to the Llama block, the same whichever file format states it: Q/K norms (Qwen3,
 * Gemma 3), Gemma's GeGLU, post-norms, √d embedding scale, soft-caps and sliding-window layers (every 2nd layer global
 * in Gemma 2, every 6th in Gemma 3, as llama.cpp's swa patterns).
 */
export function architectureBlocks(config: ModelConfig, p: ArchitectureParams): Partial<ModelConfig> {
  switch (config.architecture) {
    case 'qwen3':
      return { qkNorm: true };
    case 'gemma2':
    case 'gemma3': {
      const gemma: Partial<ModelConfig> = {
        ffnActivation: 'gelu', postNorms: true, embedScale: Math.fround(Math.sqrt(config.dim)),
        attnScale: 1 / Math.sqrt(p.queryPreAttnScalar ?? config.headDim), slidingWindow: p.slidingWindow,
      };
      if (config.architecture === 'gemma2') return { ...gemma, attnSoftcap: p.attnSoftcap, finalSoftcap: p.finalSoftcap, swaPattern: 2 };
      return { ...gemma, qkNorm: true, swaPattern: 6, ropeThetaSwa: p.ropeThetaSwa ?? 10000 };
    }
    default:
      return {};
  }
}

/**
 * RoPE scaling: llama3's per-pair frequency divisors (the rope_freqs tensor llama.cpp's converter writes, or the
 * rope.scaling.* keys it was computed from) and linear scaling (positions × 1/factor). Others are refused.
 */
function ropeScalingConfig(md: Map<string, unknown>, arch: string, file: string, headDim: number, theta: number, scaling: RopeScaling): Partial<ModelConfig> {
  const key = (k: string) => md.get(`${arch}.rope.scaling.${k}`);
  const type = String(key('type') ?? 'none');
  const factor = Number(key('factor') ?? 1);
  const out: Partial<ModelConfig> = {};
  if (scaling.freqFactors) {
    if (scaling.freqFactors.length !== headDim / 2) {
      throw new AppError('unsupported_model', `The GGUF file ${file} has a rope_freqs tensor of ${scaling.freqFactors.length} values where its heads need ${headDim / 2}.`);
    }
    out.ropeFreqFactors = scaling.freqFactors;
  } else if (type === 'llama3') {
    out.ropeFreqFactors = llama3FreqFactors(headDim, theta, factor, Number(key('low_freq_factor') ?? 1), Number(key('high_freq_factor') ?? 4), Number(key('original_context_length') ?? 8192));
  }
  if (type === 'linear' && factor !== 1) out.ropeScale = 1 / factor;
  else if (!['none', 'linear', 'llama3'].includes(type)) {
    throw new AppError('unsupported_model', `The GGUF file ${file} uses "${type}" RoPE scaling; the LPU emulator supports none, linear and llama3 scaling.`);
  }
  return out;
}

/** Llama 3.1's frequency divisors per rotated pair: 1 for high frequencies, `factor` for low ones, smooth between. */
export function llama3FreqFactors(headDim: number, theta: number, factor: number, lowFreqFactor: number, highFreqFactor: number, originalContext: number): number[] {
  const lowWavelen = originalContext / lowFreqFactor, highWavelen = originalContext / highFreqFactor;
  return Array.from({ length: headDim / 2 }, (_, i) => {
    const wavelen = 2 * Math.PI * Math.pow(theta, (2 * i) / headDim); // 2π / frequency
    if (wavelen < highWavelen) return 1;
    if (wavelen > lowWavelen) return factor;
    const smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return 1 / ((1 - smooth) / factor + smooth);
  });
}
