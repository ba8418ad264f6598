import { existsSync, readdirSync, readFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { f16ToF32 } from './dequant';
import {
  fingerprintFiles, interleaveRopeRows, isSlidingLayer, splitFused,
  type Architecture, type ModelConfig, type ModelSource, type WeightSource,
} from './model-source';
import { architectureBlocks, llama3FreqFactors } from './architectures';

// Hugging Face folders: config.json + *.safetensors (8-byte header length, JSON header, raw little-endian data).

const DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

interface SafetensorsEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** config.json's architectures[0] (or model_type) → ours. */
const HF_ARCHITECTURES: Record<string, Architecture> = {
  LlamaForCausalLM: 'llama', MistralForCausalLM: 'mistral', Qwen2ForCausalLM: 'qwen2', Qwen3ForCausalLM: 'qwen3',
  Gemma2ForCausalLM: 'gemma2', Gemma3ForCausalLM: 'gemma3', Phi3ForCausalLM: 'phi3',
  llama: 'llama', mistral: 'mistral', qwen2: 'qwen2', qwen3: 'qwen3', gemma2: 'gemma2', gemma3_text: 'gemma3', phi3: 'phi3',
};

/** Vision-language classes whose text model the emulator runs; their vision tower and projector are never read. */
const MULTIMODAL_TEXT: Record<string, Architecture> = { Gemma3ForConditionalGeneration: 'gemma3', Mistral3ForConditionalGeneration: 'mistral' };

/**
 * MistralConfig's defaults (transformers' configuration_mistral.py), over which Mistral3Config builds a text_config
 * whose model_type is mistral or absent; head_dim defaults to hidden_size / num_attention_heads.
 */
const MISTRAL_TEXT_DEFAULTS: Record<string, unknown> = {
  vocab_size: 32_000, hidden_size: 4096, intermediate_size: 14_336, num_hidden_layers: 32, num_attention_heads: 32,
  num_key_value_heads: 8, max_position_embeddings: 131_072, rms_norm_eps: 1e-6, rope_theta: 10_000, tie_word_embeddings: false,
  sliding_window: 4096,
};

/** Text models a Mistral3ForConditionalGeneration may carry besides plain Mistral, and what the emulator lacks for them. */
const MISTRAL3_TEXT_REFUSED: Record<string, string> = {
  ministral3: 'Ministral 3, whose YaRN RoPE and position-scaled queries (llama_4_scaling_beta) the LPU emulator does not run',
};

/**
 * Gemma3TextConfig's defaults (transformers' configuration_gemma3.py): a multimodal config.json nests in text_config
 * only what differs from them (gemma-3-4b-it states neither heads nor head_dim), and a text one may omit them too.
 */
const GEMMA3_TEXT_DEFAULTS: Record<string, unknown> = {
  vocab_size: 262_208, hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_attention_heads: 8,
  num_key_value_heads: 4, head_dim: 256, max_position_embeddings: 131_072, rms_norm_eps: 1e-6, rope_theta: 1_000_000,
  query_pre_attn_scalar: 256, sliding_window: 4096, final_logit_softcapping: null, attn_logit_softcapping: null,
  rope_scaling: null, rope_local_base_freq: 10_000, sliding_window_pattern: 6,
};

/** Classes people download beside the supported ones, named in the refusal so the user knows what the folder holds. */
const REFUSED_CLASSES: Record<string, string> = {
  Llama4ForConditionalGeneration: 'Llama 4, a mixture of experts with a vision encoder',
  MllamaForConditionalGeneration: 'Llama 3.2 Vision, with cross-attention image layers',
  LlavaForConditionalGeneration: 'a LLaVA vision-language model',
  Qwen2VLForConditionalGeneration: 'Qwen2-VL, a vision-language model',
  Qwen2_5_VLForConditionalGeneration: 'Qwen2.5-VL, a vision-language model',
  Gemma3nForConditionalGeneration: 'Gemma 3n, whose layers differ from Gemma 3',
  Phi3VForCausalLM: 'Phi-3 Vision',
  Phi4MMForCausalLM: 'Phi-4 multimodal',
  MixtralForCausalLM: 'Mixtral, a mixture of experts',
  Qwen2MoeForCausalLM: 'Qwen2-MoE, a mixture of experts',
  Qwen3MoeForCausalLM: 'Qwen3-MoE, a mixture of experts',
};

/** Tensors of a multimodal checkpoint's image side, in the old (vision_tower.*) and the newer (model.vision_tower.*) layout. */
const VISION_TENSOR = /^(model\.)?(vision_tower|multi_modal_projector)\./;

/** Layer tensors every architecture names alike (llama.cpp's convert_hf_to_gguf tensor map). */
const LAYER_PARTS: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm', 'post_attention_layernorm.weight': 'ffn_norm',
  'self_attn.q_proj.weight': 'attn_q', 'self_attn.k_proj.weight': 'attn_k', 'self_attn.v_proj.weight': 'attn_v',
  'self_attn.o_proj.weight': 'attn_output', 'self_attn.q_proj.bias': 'attn_q.bias', 'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.bias': 'attn_v.bias', 'mlp.gate_proj.weight': 'ffn_gate', 'mlp.up_proj.weight': 'ffn_up', 'mlp.down_proj.weight': 'ffn_down',
  'self_attn.q_norm.weight': 'attn_q_norm', 'self_attn.k_norm.weight': 'attn_k_norm',
  // Phi-3's fused projections, split after loading as in GGUF (gate rows first, then up)
  'self_attn.qkv_proj.weight': 'attn_qkv', 'mlp.gate_up_proj.weight': 'ffn_up',
};
/** Gemma's four norms per layer: its post_attention_layernorm is the attention output's norm, not the FFN's input. */
const GEMMA_LAYER_PARTS: Record<string, string> = {
  ...LAYER_PARTS, 'post_attention_layernorm.weight': 'post_attention_norm',
  'pre_feedforward_layernorm.weight': 'ffn_norm', 'post_feedforward_layernorm.weight': 'post_ffw_norm',
};

/** HF tensor names → the canonical (GGUF) names the compiler uses. */
function canonicalName(hfName: string, architecture: Architecture): string | undefined {
  // a multimodal checkpoint's text model: language_model.model.* (transformers < 4.52) or model.language_model.*
  const hf = hfName.replace(/^(language_model\.model|model\.language_model)\./, 'model.').replace(/^language_model\.lm_head\./, 'lm_head.');
  if (hf === 'model.embed_tokens.weight') return 'token_embd';
  if (hf === 'model.norm.weight') return 'output_norm';
  if (hf === 'lm_head.weight') return 'output';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return undefined;
  const part = (architecture.startsWith('gemma') ? GEMMA_LAYER_PARTS : LAYER_PARTS)[m[2]!];
  return part ? `blk.${m[1]}.${part}` : undefined;
}

/** Gemma's RMSNorm multiplies by (1 + w) and HF stores w; the compiler reads GGUF's convention, 1 + w stored. */
function plusOne(source: WeightSource): WeightSource {
  const { name, rows, cols, storedType } = source;
  return {
    name, rows, cols, storedType,
    readRows(row0, nRows, out) {
      source.readRows(row0, nRows, out);
      for (let i = 0; i < nRows * cols; i++) out[i] = Math.fround(out[i]! + 1);
    },
  };
}

/** RoPE scaling in config.json's rope_scaling: llama3 frequency divisors or linear position scaling; others refused. */
function hfRopeScaling(hf: Record<string, unknown>, headDim: number, theta: number, folder: string): Partial<ModelConfig> {
  const scaling = hf.rope_scaling as Record<string, unknown> | null | undefined;
  if (!scaling) return {};
  const type = String(scaling.rope_type ?? scaling.type ?? 'default');
  const factor = Number(scaling.factor ?? 1);
  if (type === 'llama3') {
    return { ropeFreqFactors: llama3FreqFactors(headDim, theta, factor, Number(scaling.low_freq_factor ?? 1), Number(scaling.high_freq_factor ?? 4), Number(scaling.original_max_position_embeddings ?? 8192)) };
  }
  if (type === 'linear') return factor !== 1 ? { ropeScale: 1 / factor } : {};
  if (type === 'default') return {};
  throw new AppError('unsupported_model', `The model in ${path.basename(folder)} uses "${type}" RoPE scaling; the LPU emulator supports none, linear and llama3 scaling.`);
}

/**
 * transformers v5 writes RoPE as rope_parameters ({rope_type, rope_theta, factor…}, or one such object per attention
 * type: full_attention, sliding_attention) instead of rope_theta, rope_scaling and rope_local_base_freq: the older keys.
 */
function ropeParameterKeys(hf: Record<string, unknown>, folder: string): Record<string, unknown> {
  const rp = hf.rope_parameters as Record<string, Record<string, unknown> | unknown> | undefined;
  if (!rp || typeof rp !== 'object') return {};
  const full = (rp.full_attention ?? rp) as Record<string, unknown>, sliding = rp.sliding_attention as Record<string, unknown> | undefined;
  const { rope_theta: theta, partial_rotary_factor: partial, ...scaling } = full;
  if (sliding?.rope_type !== undefined && sliding.rope_type !== 'default') {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} scales RoPE on its sliding-window layers ("${String(sliding.rope_type)}"); the LPU emulator scales global layers only.`);
  }
  return {
    ...(theta !== undefined && { rope_theta: theta }),
    ...(partial !== undefined && { partial_rotary_factor: partial }),
    rope_scaling: scaling,
    ...(sliding?.rope_theta !== undefined && { rope_local_base_freq: sliding.rope_theta }),
  };
}

/** config.json's value for `key`, or undefined where it is absent or null (null turns a Gemma soft-cap off). */
function hfNumber(hf: Record<string, unknown>, key: string): number | undefined {
  const v = hf[key];
  return v === undefined || v === null ? undefined : Number(v);
}

function readHeader(file: string): { entries: Record<string, SafetensorsEntry>; dataStart: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const len = Number(lenBuf.readBigUInt64LE(0));
    if (len <= 0 || 8 + len > size) throw new AppError('unsupported_model', `${path.basename(file)} is not a valid safetensors file.`);
    const json = Buffer.alloc(len);
    readSync(fd, json, 0, len, 8);
    const entries = JSON.parse(json.toString('utf8')) as Record<string, SafetensorsEntry>;
    delete (entries as Record<string, unknown>).__metadata__;
    return { entries, dataStart: 8 + len };
  } finally {
    closeSync(fd);
  }
}

function tensorSource(file: string, dataStart: number, e: SafetensorsEntry, name: string): WeightSource {
  const cols = e.shape[e.shape.length - 1]!;
  const rows = e.shape.length > 1 ? e.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  const elem = DTYPES[e.dtype]!;
  const u32 = new Uint32Array(1);
  const asF32 = new Float32Array(u32.buffer);
  return {
    name, rows, cols, storedType: e.dtype,
    readRows(row0, nRows, out) {
      const n = nRows * cols;
      const bytes = Buffer.allocUnsafe(n * elem);
      const fd = openSync(file, 'r');
      try {
        readSync(fd, bytes, 0, bytes.length, dataStart + e.data_offsets[0] + row0 * cols * elem);
      } finally {
        closeSync(fd);
      }
      if (e.dtype === 'F32') for (let i = 0; i < n; i++) out[i] = bytes.readFloatLE(i * 4);
      else if (e.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16ToF32(bytes.readUInt16LE(i * 2));
      else for (let i = 0; i < n; i++) { u32[0] = bytes.readUInt16LE(i * 2) << 16; out[i] = asF32[0]!; }
    },
  };
}

export function openSafetensorsModel(folder: string): ModelSource {
  const configPath = path.join(folder, 'config.json');
  if (!existsSync(configPath)) throw new AppError('unsupported_model', `The folder ${folder} has no config.json, so it is not a Hugging Face model folder.`);
  const topConfig = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const archName = ((topConfig.architectures as string[] | undefined) ?? [])[0] ?? String(topConfig.model_type ?? 'unknown');
  const multimodal = MULTIMODAL_TEXT[archName];
  const architecture = REFUSED_CLASSES[archName] ? undefined : multimodal ?? HF_ARCHITECTURES[archName] ?? HF_ARCHITECTURES[String(topConfig.model_type)];
  if (!architecture) {
    const hint = REFUSED_CLASSES[archName] ? ` (${REFUSED_CLASSES[archName]})` : '';
    throw new AppError('unsupported_model', `The model architecture "${archName}"${hint} is not supported in Hugging Face folders; the LPU emulator reads Llama, Mistral (and the text model of the multimodal Mistral 3), Qwen2, Qwen3, Gemma 2, Gemma 3 (text, or the text model of the multimodal Gemma 3) and Phi-3 folders.`);
  }
  const nested = multimodal ? topConfig.text_config : topConfig;
  if (!nested || typeof nested !== 'object') throw new AppError('unsupported_model', `The config.json in ${path.basename(folder)} has no text_config, so the shape of its ${archName} text model is unknown.`);
  const stated = { ...ropeParameterKeys(nested as Record<string, unknown>, folder), ...(nested as Record<string, unknown>) };
  const mistral3 = archName === 'Mistral3ForConditionalGeneration';
  if (mistral3) refuseMistral3Text(stated, folder);
  const hf = architecture === 'gemma3' ? { ...GEMMA3_TEXT_DEFAULTS, ...stated } : mistral3 ? { ...MISTRAL_TEXT_DEFAULTS, ...stated } : stated;
  const files = safetensorsFiles(folder);

  const dim = Number(hf.hidden_size);
  const nHeads = Number(hf.num_attention_heads);
  const headDim = Number(hf.head_dim ?? dim / nHeads);
  const ropeTheta = Number(hf.rope_theta ?? 10000);
  if (hfNumber(hf, 'partial_rotary_factor') !== undefined && hfNumber(hf, 'partial_rotary_factor') !== 1) {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} rotates part of each head (partial_rotary_factor ${String(hf.partial_rotary_factor)}), which the LPU emulator does not support.`);
  }
  if (hf.use_sliding_window === true) {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} turns on sliding-window attention (use_sliding_window), which the LPU emulator runs only as Gemma 2 and 3 lay it out.`);
  }
  if (architecture === 'phi3' && hf.rope_scaling) {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} is a long-context Phi-3 (LongRoPE), which the LPU emulator does not support yet; use a 4k-context Phi-3.`);
  }
  const config: ModelConfig = {
    architecture,
    name: path.basename(folder),
    dim,
    hiddenDim: Number(hf.intermediate_size),
    nLayers: Number(hf.num_hidden_layers),
    nHeads,
    nKvHeads: Number(hf.num_key_value_heads ?? nHeads),
    headDim,
    vocabSize: 0, // the embedding's rows, once read
    contextLength: Number(hf.max_position_embeddings ?? 2048),
    ropeTheta,
    rmsEps: Math.fround(Number(hf.rms_norm_eps ?? 1e-5)), // float32, as a GGUF stores it and the kernels use it
    tiedEmbeddings: true,
    qkvBias: false,
    ...hfRopeScaling(hf, headDim, ropeTheta, folder),
  };
  // Mistral attends within sliding_window tokens (4096 unless stated, as null in Mistral Small 3.1): within it, that is full attention
  const mistralWindow = mistral3 ? hfNumber(hf, 'sliding_window') : undefined;
  const windowNote = mistralWindow !== undefined && mistralWindow < config.contextLength ? `; its context is held to its ${mistralWindow}-token sliding window` : '';
  if (windowNote) config.contextLength = mistralWindow!;
  const swaPattern = hfNumber(hf, 'sliding_window_pattern');
  if (architecture === 'gemma3' && swaPattern !== undefined && swaPattern !== 6) {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} puts a global layer every ${swaPattern} layers; the LPU emulator runs Gemma 3's pattern of one in six.`);
  }
  Object.assign(config, architectureBlocks(config, {
    queryPreAttnScalar: hfNumber(hf, 'query_pre_attn_scalar'),
    attnSoftcap: hfNumber(hf, 'attn_logit_softcapping'),
    finalSoftcap: hfNumber(hf, 'final_logit_softcapping'),
    slidingWindow: hfNumber(hf, 'sliding_window'),
    ropeThetaSwa: hfNumber(hf, 'rope_local_base_freq'),
  }));
  // newer configs list each layer's attention instead of a pattern: it must be the one llama.cpp (and we) assume
  const layerTypes = hf.layer_types;
  if (config.slidingWindow && Array.isArray(layerTypes) && layerTypes.some((t, l) => (t === 'sliding_attention') !== isSlidingLayer(config, l))) {
    throw new AppError('unsupported_model', `The model in ${path.basename(folder)} interleaves sliding-window and global layers in an order the LPU emulator does not run (it runs ${config.architecture === 'gemma2' ? 'every other' : 'every sixth'} layer global).`);
  }

  const weights = new Map<string, WeightSource>();
  let parameterCount = 0, visionTensors = 0;
  for (const file of files) {
    const { entries, dataStart } = readHeader(file);
    for (const [hfName, e] of Object.entries(entries)) {
      if (multimodal && VISION_TENSOR.test(hfName)) { visionTensors++; continue; }
      if (!(e.dtype in DTYPES)) throw new AppError('unsupported_model', `Tensor ${hfName} in ${path.basename(file)} is ${e.dtype}; Lockstep reads F32, F16 and BF16 safetensors.`);
      const name = canonicalName(hfName, architecture);
      parameterCount += e.shape.reduce((a, b) => a * b, 1);
      if (!name) continue;
      let source = tensorSource(file, dataStart, e, name);
      if (config.postNorms && /(^|\.)(attn_norm|ffn_norm|post_attention_norm|post_ffw_norm|output_norm|attn_[qk]_norm)$/.test(name)) source = plusOne(source);
      weights.set(name, source);
    }
  }
  const embd = weights.get('token_embd');
  if (!embd) throw new AppError('unsupported_model', `The folder ${folder} has no model.embed_tokens.weight tensor.`);
  config.vocabSize = embd.rows;
  config.tiedEmbeddings = !weights.has('output');
  config.qkvBias = weights.has('blk.0.attn_q.bias');
  for (const [name, source] of [...weights]) {
    const parts = splitFused(source, config);
    if (parts.length > 1) { weights.delete(name); for (const part of parts) weights.set(part.name, part); }
  }
  // HF q/k rows (and the per-head Q/K norms) are in rotate-half order; the emulator's RoPE kernel rotates interleaved pairs.
  for (const [name, source] of weights) {
    if (/\.attn_[qk](\.bias|_norm)?$/.test(name)) weights.set(name, interleaveRopeRows(source, headDim));
  }
  const tokConfigPath = path.join(folder, 'tokenizer_config.json');
  const tokConfig = existsSync(tokConfigPath) ? (JSON.parse(readFileSync(tokConfigPath, 'utf8')) as Record<string, unknown>) : {};
  const hasTokenizer = existsSync(path.join(folder, 'tokenizer.json'));
  return {
    format: 'safetensors',
    path: folder,
    hash: fingerprintFiles([configPath, ...files]),
    config,
    weights,
    tokenizer: { kind: 'hf-folder', folder: hasTokenizer ? folder : undefined, chatTemplate: chatTemplateOf(folder, tokConfig) },
    parameterCount,
    ...(multimodal && { notice: `${archName} is a vision-language model: Lockstep runs its text model and does not use images (${visionTensors} vision tensors left unread)${windowNote}.` }),
  };
}

/** Mistral3Config builds text_config by its model_type (mistral unless stated): only a plain Mistral block runs here. */
function refuseMistral3Text(textConfig: Record<string, unknown>, folder: string): void {
  const type = String(textConfig.model_type ?? 'mistral');
  if (type === 'mistral') return;
  const what = MISTRAL3_TEXT_REFUSED[type] ?? `a "${type}" text model, not a Mistral one`;
  throw new AppError('unsupported_model', `The Mistral3ForConditionalGeneration model in ${path.basename(folder)} carries ${what}; the LPU emulator runs Mistral 3 folders whose text_config is a Mistral model (Mistral Small 3.1 and 3.2).`);
}

/**
 * The chat template as transformers finds it (its PR 33957): chat_template.jinja overrides the JSON files, then
 * tokenizer_config.json's chat_template, then a processor's chat_template.json (the multimodal gemma-3-*-it repos).
 */
function chatTemplateOf(folder: string, tokConfig: Record<string, unknown>): string | undefined {
  const jinja = path.join(folder, 'chat_template.jinja');
  if (existsSync(jinja)) return readFileSync(jinja, 'utf8');
  if (typeof tokConfig.chat_template === 'string') return tokConfig.chat_template;
  const json = path.join(folder, 'chat_template.json');
  const template = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { chat_template?: unknown }).chat_template : undefined;
  return typeof template === 'string' ? template : undefined;
}

/** The weight files: those model.safetensors.index.json maps (a repo may also hold consolidated.safetensors), else every *.safetensors. */
export function safetensorsFiles(folder: string): string[] {
  const indexPath = path.join(folder, 'model.safetensors.index.json');
  const listed = existsSync(indexPath)
    ? [...new Set(Object.values((JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {}))]
    : readdirSync(folder).filter((f) => f.endsWith('.safetensors'));
  if (!listed.length) throw new AppError('unsupported_model', `The folder ${folder} has no .safetensors weights.`);
  const missing = listed.filter((f) => !existsSync(path.join(folder, f)));
  if (missing.length) throw new AppError('unsupported_model', `The folder ${path.basename(folder)} lacks ${missing.join(', ')}, which model.safetensors.index.json lists; download the whole model again.`);
  return listed.sort().map((f) => path.join(folder, f));
}
