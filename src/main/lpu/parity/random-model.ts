import { gguf, LLAMA_FTYPE, MIX_FTYPE, mixPresetType, uniformSource, writeGguf, type GgufMetaValue, type GgufMixPreset, type GgufTensorSpec, type GgufTensorType } from '../loader/gguf-writer';
import { llama3FreqFactors } from '../loader/architectures';
import type { Architecture } from '../loader/model-source';
import { ggufVocabulary, type VocabularyName } from './vocabularies';

// Random-weight GGUFs of every architecture: small widths and few layers, but each family's real head/KV-head ratio,
// RoPE style and base, norms, activations and special tensors, with a real vocabulary, written as llama.cpp's
// converters write them (Gemma's norms stored as 1 + w; random q/k rows need no rotate-half permutation).

export interface RandomArchSpec {
  arch: Architecture;
  /** general.architecture when llama.cpp knows the family under another name (Mistral GGUFs say "llama"). */
  ggufArch?: string;
  vocabulary: VocabularyName;
  dim: number; hidden: number; layers: number; heads: number; kvHeads: number; headDim: number;
  ropeTheta: number; rmsEps: number; tied: boolean;
  /** Extra [arch].* metadata (sliding window, soft-caps, rope scaling). */
  extraMetadata?: Record<string, GgufMetaValue>;
  /** Special tokens the family appends to its base vocabulary (Phi-3's chat markers). */
  extraSpecials?: string[];
  /** llama3 rope_freqs tensor parameters. */
  llama3Rope?: { factor: number; low: number; high: number; original: number };
}

/** Phi-3's additions to the Llama 2 vocabulary, ids 32000-32010. */
const PHI3_SPECIALS = ['<|endoftext|>', '<|assistant|>', '<|placeholder1|>', '<|placeholder2|>', '<|placeholder3|>', '<|placeholder4|>', '<|system|>', '<|end|>', '<|placeholder5|>', '<|placeholder6|>', '<|user|>'];

/** One spec per architecture, each after a real model family's layout at toy width. */
export const RANDOM_ARCHS: Record<Architecture, RandomArchSpec> = {
  // Llama 3.2: GQA 4:1, θ = 500000, llama3 RoPE scaling in rope_freqs, tied embeddings
  llama: { arch: 'llama', vocabulary: 'llama3_1', dim: 128, hidden: 320, layers: 2, heads: 8, kvHeads: 2, headDim: 16, ropeTheta: 500000, rmsEps: 1e-5, tied: true, llama3Rope: { factor: 32, low: 1, high: 4, original: 8192 } },
  // Mistral 7B: GQA 4:1, SentencePiece vocabulary, untied head
  mistral: { arch: 'mistral', ggufArch: 'llama', vocabulary: 'llama2', dim: 128, hidden: 352, layers: 2, heads: 8, kvHeads: 2, headDim: 16, ropeTheta: 1e6, rmsEps: 1e-5, tied: false },
  // Qwen2.5-1.5B: GQA 6:1, q/k/v biases, NEOX RoPE
  qwen2: { arch: 'qwen2', vocabulary: 'qwen3', dim: 96, hidden: 256, layers: 2, heads: 6, kvHeads: 1, headDim: 16, ropeTheta: 1e6, rmsEps: 1e-6, tied: false },
  // Qwen3-0.6B: GQA 2:1, heads wider than dim/heads, per-head Q/K RMSNorm, tied
  qwen3: { arch: 'qwen3', vocabulary: 'qwen3', dim: 64, hidden: 192, layers: 2, heads: 4, kvHeads: 2, headDim: 32, ropeTheta: 1e6, rmsEps: 1e-6, tied: true },
  // Gemma 2: GeGLU, post-norms, √d scale, attention and final soft-capping, sliding layers alternating with global ones
  gemma2: {
    arch: 'gemma2', vocabulary: 'gemma3', dim: 64, hidden: 160, layers: 2, heads: 4, kvHeads: 2, headDim: 32, ropeTheta: 10000, rmsEps: 1e-6, tied: true,
    extraMetadata: { 'gemma2.attention.sliding_window': gguf.u32(6), 'gemma2.attn_logit_softcapping': gguf.f32(50), 'gemma2.final_logit_softcapping': gguf.f32(30) },
  },
  // Gemma 3: Q/K norm, five sliding layers (local θ = 10000) per global one (θ = 1e6, linear scaling ×8 as in 4B+)
  gemma3: {
    arch: 'gemma3', vocabulary: 'gemma3', dim: 64, hidden: 160, layers: 6, heads: 4, kvHeads: 1, headDim: 32, ropeTheta: 1e6, rmsEps: 1e-6, tied: true,
    extraMetadata: { 'gemma3.attention.sliding_window': gguf.u32(6), 'gemma3.rope.scaling.type': gguf.str('linear'), 'gemma3.rope.scaling.factor': gguf.f32(8) },
  },
  // Phi-3-mini: multi-head (no GQA), fused QKV and gate_up
  phi3: { arch: 'phi3', vocabulary: 'llama2', extraSpecials: PHI3_SPECIALS, dim: 128, hidden: 256, layers: 2, heads: 8, kvHeads: 8, headDim: 16, ropeTheta: 10000, rmsEps: 1e-5, tied: false },
};

/** Ordinary tokens kept from each vocabulary (all its specials too): the embedding, the head and llama.cpp's vocabulary
 * load scale with it, and 32k is Llama 2's whole vocabulary. The tokenizer tests use the full vocabularies. */
export const RANDOM_MODEL_VOCABULARY = 32768;
/** The weights' seed unless a caller picks another. */
export const RANDOM_MODEL_SEED = 7;

/** A matrix format for every tensor, or one of llama.cpp's K-quant mixes. */
export type RandomModelFormat = GgufTensorType | GgufMixPreset;
export const RANDOM_MODEL_FORMATS: readonly RandomModelFormat[] = ['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'Q4_K_M', 'Q5_K_M'];

const isMix = (format: RandomModelFormat): format is GgufMixPreset => format === 'Q4_K_M' || format === 'Q5_K_M';

/**
 * Writes the random model for `spec` with matrices in `format` (norms, biases and RoPE factors F32, as converters
 * keep them; a mix assigns each matrix the type llama.cpp's quantizer would). `vocabulary` caps the ordinary tokens
 * kept (every special stays). Returns the file's byte size.
 */
export function writeRandomArchGguf(file: string, spec: RandomArchSpec, format: RandomModelFormat, seed = RANDOM_MODEL_SEED, vocabulary = RANDOM_MODEL_VOCABULARY): number {
  const vocab = ggufVocabulary(spec.vocabulary, spec.extraSpecials, vocabulary);
  // K-quant blocks hold 256 values: widen the model so its matrices have whole blocks per row
  const kQuant = /_K(_M)?$/.test(format);
  let dim = spec.dim, hidden = spec.hidden;
  if (kQuant) {
    dim = 256;
    while (dim % spec.heads !== 0) dim += 256; // whole heads where heads × headDim = dim
    hidden = 512; // two blocks: qwen2's six heads widen dim to 768, and an FFN of 2·768 would triple its encoding time
  }
  const { arch, heads, kvHeads } = spec;
  const headDim = kQuant && spec.heads * spec.headDim === spec.dim ? dim / heads : spec.headDim; // keep heads × headDim = dim where it was
  const name = spec.ggufArch ?? arch;
  const qDim = heads * headDim, kvDim = kvHeads * headDim;
  const random = uniformSource(seed);
  // 1/√fan-in keeps activations O(1)
  // a row that is not whole blocks falls back to Q8_0, as llama.cpp's quantizer does
  const typeOf = (name: string): GgufTensorType => (isMix(format) ? mixPresetType(format, name, spec.layers, spec.tied) : format);
  const matrix = (name: string, cols: number, rows: number, gain = 1): GgufTensorSpec => ({
    name, dims: [cols, rows], type: kQuant && cols % 256 !== 0 ? 'Q8_0' : typeOf(name),
    fillRow: (row) => { const s = gain / Math.sqrt(cols); for (let i = 0; i < row.length; i++) row[i] = random() * s * Math.sqrt(3); },
  });
  const vector = (name: string, n: number, center: number, spread: number): GgufTensorSpec => ({
    name, dims: [n], type: 'F32', fillRow: (row) => { for (let i = 0; i < row.length; i++) row[i] = center + random() * spread; },
  });
  // vocabulary rows get a heavy-tailed gain (e^±2) so the most likely token stands clear of the runner-up, as in a
  // trained model; with equal gains the top two of ~10⁵ random logits are often closer than quantisation noise
  const vocabRows = (name: string, gain: number): GgufTensorSpec => {
    const base = matrix(name, dim, vocab.size, gain);
    return { ...base, fillRow: (row, r) => { base.fillRow(row, r); const g = Math.exp(2 * random()); for (let i = 0; i < row.length; i++) row[i]! *= g; } };
  };
  const tensors: GgufTensorSpec[] = [vocabRows('token_embd.weight', 2)];
  if (spec.llama3Rope) {
    const r = spec.llama3Rope;
    const factors = llama3FreqFactors(headDim, spec.ropeTheta, r.factor, r.low, r.high, r.original);
    tensors.push({ name: 'rope_freqs.weight', dims: [headDim / 2], type: 'F32', fillRow: (row) => row.set(factors) });
  }
  for (let l = 0; l < spec.layers; l++) {
    const blk = (part: string) => `blk.${l}.${part}`;
    tensors.push(vector(blk('attn_norm.weight'), dim, 1, 0.2));
    if (arch === 'phi3') tensors.push(matrix(blk('attn_qkv.weight'), dim, qDim + 2 * kvDim));
    else tensors.push(matrix(blk('attn_q.weight'), dim, qDim), matrix(blk('attn_k.weight'), dim, kvDim), matrix(blk('attn_v.weight'), dim, kvDim));
    if (arch === 'qwen2') tensors.push(vector(blk('attn_q.bias'), qDim, 0, 0.3), vector(blk('attn_k.bias'), kvDim, 0, 0.3), vector(blk('attn_v.bias'), kvDim, 0, 0.3));
    if (arch === 'qwen3' || arch === 'gemma3') tensors.push(vector(blk('attn_q_norm.weight'), headDim, 1, 0.3), vector(blk('attn_k_norm.weight'), headDim, 1, 0.3));
    tensors.push(matrix(blk('attn_output.weight'), qDim, dim));
    if (arch.startsWith('gemma')) tensors.push(vector(blk('post_attention_norm.weight'), dim, 1, 0.2));
    tensors.push(vector(blk('ffn_norm.weight'), dim, 1, 0.2));
    if (arch === 'phi3') tensors.push(matrix(blk('ffn_up.weight'), dim, 2 * hidden));
    else tensors.push(matrix(blk('ffn_gate.weight'), dim, hidden), matrix(blk('ffn_up.weight'), dim, hidden));
    tensors.push(matrix(blk('ffn_down.weight'), hidden, dim));
    if (arch.startsWith('gemma')) tensors.push(vector(blk('post_ffw_norm.weight'), dim, 1, 0.2));
  }
  tensors.push(vector('output_norm.weight', dim, 1, 0.2));
  if (!spec.tied) tensors.push(vocabRows('output.weight', 2));
  const metadata: Record<string, GgufMetaValue> = {
    'general.architecture': gguf.str(name),
    'general.name': gguf.str(`random-${arch}`),
    'general.file_type': gguf.u32(isMix(format) ? MIX_FTYPE[format] : LLAMA_FTYPE[format]),
    [`${name}.vocab_size`]: gguf.u32(vocab.size),
    [`${name}.context_length`]: gguf.u32(4096),
    [`${name}.embedding_length`]: gguf.u32(dim),
    [`${name}.block_count`]: gguf.u32(spec.layers),
    [`${name}.feed_forward_length`]: gguf.u32(hidden),
    [`${name}.attention.head_count`]: gguf.u32(heads),
    [`${name}.attention.head_count_kv`]: gguf.u32(kvHeads),
    [`${name}.attention.key_length`]: gguf.u32(headDim),
    [`${name}.attention.value_length`]: gguf.u32(headDim),
    [`${name}.rope.dimension_count`]: gguf.u32(headDim),
    [`${name}.rope.freq_base`]: gguf.f32(spec.ropeTheta),
    [`${name}.attention.layer_norm_rms_epsilon`]: gguf.f32(spec.rmsEps),
    ...spec.extraMetadata,
    ...vocab.metadata,
  };
  return writeGguf(file, metadata, tensors);
}
