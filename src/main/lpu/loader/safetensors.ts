import { existsSync, readdirSync, readFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { f16ToF32 } from './dequant';
import {
  SUPPORTED_ARCHITECTURES, fingerprintFiles, interleaveRopeRows,
  type Architecture, type ModelConfig, type ModelSource, type WeightSource,
} from './model-source';

// Hugging Face folders: config.json + *.safetensors (8-byte header length, JSON header, raw little-endian data).

const DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

interface SafetensorsEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

const HF_ARCHITECTURES: Record<string, Architecture> = {
  LlamaForCausalLM: 'llama', MistralForCausalLM: 'mistral', Qwen2ForCausalLM: 'qwen2',
};
/** Architectures read from HF folders (the others need their extra tensors mapped: GGUF only). */
const HF_MODEL_TYPES: readonly Architecture[] = Object.values(HF_ARCHITECTURES);

/** HF tensor names → the canonical (GGUF) names the compiler uses. */
function canonicalName(hf: string): string | undefined {
  if (hf === 'model.embed_tokens.weight') return 'token_embd';
  if (hf === 'model.norm.weight') return 'output_norm';
  if (hf === 'lm_head.weight') return 'output';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) return undefined;
  const parts: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm', 'post_attention_layernorm.weight': 'ffn_norm',
    'self_attn.q_proj.weight': 'attn_q', 'self_attn.k_proj.weight': 'attn_k', 'self_attn.v_proj.weight': 'attn_v',
    'self_attn.o_proj.weight': 'attn_output', 'self_attn.q_proj.bias': 'attn_q.bias', 'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.bias': 'attn_v.bias', 'mlp.gate_proj.weight': 'ffn_gate', 'mlp.up_proj.weight': 'ffn_up', 'mlp.down_proj.weight': 'ffn_down',
  };
  const part = parts[m[2]!];
  return part ? `blk.${m[1]}.${part}` : undefined;
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
  const hf = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const archName = ((hf.architectures as string[] | undefined) ?? [])[0] ?? String(hf.model_type ?? 'unknown');
  const architecture = HF_ARCHITECTURES[archName] ?? (HF_MODEL_TYPES.includes(hf.model_type as Architecture) ? (hf.model_type as Architecture) : undefined);
  if (!architecture) {
    const gguf = SUPPORTED_ARCHITECTURES.filter((a) => !HF_MODEL_TYPES.includes(a));
    throw new AppError('unsupported_model', `The model architecture "${archName}" is not supported in Hugging Face folders; the LPU emulator reads Llama, Mistral and Qwen2 folders, and ${gguf.join(', ')} as GGUF files.`);
  }
  const files = readdirSync(folder).filter((f) => f.endsWith('.safetensors')).sort().map((f) => path.join(folder, f));
  if (!files.length) throw new AppError('unsupported_model', `The folder ${folder} has no .safetensors weights.`);

  const dim = Number(hf.hidden_size);
  const nHeads = Number(hf.num_attention_heads);
  const headDim = Number(hf.head_dim ?? dim / nHeads);
  const weights = new Map<string, WeightSource>();
  let parameterCount = 0;
  for (const file of files) {
    const { entries, dataStart } = readHeader(file);
    for (const [hfName, e] of Object.entries(entries)) {
      if (!(e.dtype in DTYPES)) throw new AppError('unsupported_model', `Tensor ${hfName} in ${path.basename(file)} is ${e.dtype}; Lockstep reads F32, F16 and BF16 safetensors.`);
      const name = canonicalName(hfName);
      parameterCount += e.shape.reduce((a, b) => a * b, 1);
      if (!name) continue;
      let source = tensorSource(file, dataStart, e, name);
      // HF q/k rows are in rotate-half order; the emulator's RoPE kernel rotates interleaved pairs.
      if (/\.attn_[qk](\.bias)?$/.test(name)) source = interleaveRopeRows(source, headDim);
      weights.set(name, source);
    }
  }
  const embd = weights.get('token_embd');
  if (!embd) throw new AppError('unsupported_model', `The folder ${folder} has no model.embed_tokens.weight tensor.`);
  const config: ModelConfig = {
    architecture,
    name: path.basename(folder),
    dim,
    hiddenDim: Number(hf.intermediate_size),
    nLayers: Number(hf.num_hidden_layers),
    nHeads,
    nKvHeads: Number(hf.num_key_value_heads ?? nHeads),
    headDim,
    vocabSize: embd.rows,
    contextLength: Number(hf.max_position_embeddings ?? 2048),
    ropeTheta: Number(hf.rope_theta ?? 10000),
    rmsEps: Number(hf.rms_norm_eps ?? 1e-5),
    tiedEmbeddings: !weights.has('output'),
    qkvBias: weights.has('blk.0.attn_q.bias'),
  };
  const tokConfigPath = path.join(folder, 'tokenizer_config.json');
  const tokConfig = existsSync(tokConfigPath) ? (JSON.parse(readFileSync(tokConfigPath, 'utf8')) as Record<string, unknown>) : {};
  const hasTokenizer = existsSync(path.join(folder, 'tokenizer.json'));
  return {
    format: 'safetensors',
    path: folder,
    hash: fingerprintFiles([configPath, ...files]),
    config,
    weights,
    tokenizer: { kind: 'hf-folder', folder: hasTokenizer ? folder : undefined, chatTemplate: typeof tokConfig.chat_template === 'string' ? tokConfig.chat_template : undefined },
    parameterCount,
  };
}
