import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { f32ToF16 } from './dequant';
import { quantizeQ4_0, quantizeQ4K, quantizeQ5K, quantizeQ6K } from './ggml-quantize';

// A streaming GGUF v3 writer: header, typed metadata, tensor infos, then 32-byte aligned tensor data encoded
// row by row, so a model much larger than JS memory can be written. Used for random-weight benchmark models
// and tiny test models; readers are llama.cpp and our own loader (gguf.ts).

export type GgufMetaValue =
  | { type: 'uint32' | 'int32' | 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'string'; value: string[] }
  | { type: 'array'; itemType: 'int32' | 'uint32' | 'float32'; value: number[] };

export const gguf = {
  u32: (value: number): GgufMetaValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufMetaValue => ({ type: 'int32', value }),
  f32: (value: number): GgufMetaValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufMetaValue => ({ type: 'bool', value }),
  str: (value: string): GgufMetaValue => ({ type: 'string', value }),
  strings: (value: string[]): GgufMetaValue => ({ type: 'array', itemType: 'string', value }),
  i32s: (value: number[]): GgufMetaValue => ({ type: 'array', itemType: 'int32', value }),
};

export type GgufTensorType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0' | 'Q4_K' | 'Q5_K' | 'Q6_K';

export interface GgufTensorSpec {
  name: string;
  /** ggml order: dims[0] is the contiguous row length. */
  dims: number[];
  type: GgufTensorType;
  /** Fills one row (dims[0] values) of f32 data; rows are requested in order 0, 1, 2, … */
  fillRow(row: Float32Array, rowIndex: number): void;
  /** Instead of fillRow: row `rowIndex` already encoded in `type` (benchmark models draw rows from a pre-encoded pool). */
  encodedRow?(rowIndex: number): Uint8Array;
}

const VALUE_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10 } as const;
const TENSOR_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, BF16: 30, Q8_0: 8, Q4_0: 2, Q4_K: 12, Q5_K: 13, Q6_K: 14 };
/** general.file_type (llama_ftype) of a file whose matrices are all `type` (the K-quants' _S variants). */
export const LLAMA_FTYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, BF16: 32, Q8_0: 7, Q4_0: 2, Q4_K: 14, Q5_K: 16, Q6_K: 18 };
/** Elements and bytes per block of the block types. */
const BLOCKS: Partial<Record<GgufTensorType, [number, number]>> = { Q8_0: [32, 34], Q4_0: [32, 18], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210] };
const ALIGNMENT = 32;

/** Bytes one row of `n` values takes in `type`. */
export function rowBytes(type: GgufTensorType, n: number): number {
  if (type === 'F32') return n * 4;
  if (type === 'F16' || type === 'BF16') return n * 2;
  const [elems, bytes] = BLOCKS[type]!;
  if (n % elems !== 0) throw new Error(`${type} rows must be a multiple of ${elems} values, got ${n}`);
  return (n / elems) * bytes;
}

/** Growable little-endian byte builder for the header. */
class ByteBuilder {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  // reserve() may swap this.buf, so it runs before this.buf is read
  u32(v: number): void { const at = this.reserve(4); this.buf.writeUInt32LE(v, at); }
  i32(v: number): void { const at = this.reserve(4); this.buf.writeInt32LE(v, at); }
  f32(v: number): void { const at = this.reserve(4); this.buf.writeFloatLE(v, at); }
  u64(v: number): void { const at = this.reserve(8); this.buf.writeBigUInt64LE(BigInt(v), at); }
  u8(v: number): void { const at = this.reserve(1); this.buf.writeUInt8(v, at); }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    const at = this.reserve(bytes.length);
    bytes.copy(this.buf, at);
  }
  padTo(alignment: number): void { this.reserve((alignment - (this.length % alignment)) % alignment); }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeValue(b: ByteBuilder, v: GgufMetaValue): void {
  b.u32(VALUE_TYPE[v.type]);
  switch (v.type) {
    case 'uint32': return b.u32(v.value);
    case 'int32': return b.i32(v.value);
    case 'float32': return b.f32(v.value);
    case 'bool': return b.u8(v.value ? 1 : 0);
    case 'string': return b.str(v.value);
    case 'array':
      b.u32(VALUE_TYPE[v.itemType]);
      b.u64(v.value.length);
      if (v.itemType === 'string') for (const s of v.value) b.str(s);
      else for (const n of v.value) {
        if (v.itemType === 'float32') b.f32(n);
        else if (v.itemType === 'int32') b.i32(n);
        else b.u32(n);
      }
  }
}

const bf16Scratch = new Float32Array(1);
const bf16Word = new Uint32Array(bf16Scratch.buffer);
/** f32 → bfloat16 bits, round to nearest even (NaN kept quiet), as ggml's fp32_to_bf16. */
function bf16Bits(v: number): number {
  bf16Scratch[0] = v;
  const u = bf16Word[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 64;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

/** Encodes one f32 row into `out` in the tensor's type (Q8_0: f16 scale amax/127 then 32 rounded int8). */
export function encodeRow(type: GgufTensorType, row: Float32Array, out: Buffer): void {
  if (type === 'F32') { for (let i = 0; i < row.length; i++) out.writeFloatLE(row[i]!, i * 4); return; }
  if (type === 'F16') { for (let i = 0; i < row.length; i++) out.writeUInt16LE(f32ToF16(row[i]!), i * 2); return; }
  if (type === 'BF16') { for (let i = 0; i < row.length; i++) out.writeUInt16LE(bf16Bits(row[i]!), i * 2); return; }
  if (type === 'Q4_0') return quantizeQ4_0(row, out, 0);
  if (type === 'Q4_K') return quantizeQ4K(row, out, 0);
  if (type === 'Q5_K') return quantizeQ5K(row, out, 0);
  if (type === 'Q6_K') return quantizeQ6K(row, out, 0);
  for (let block = 0; block < row.length / 32; block++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(row[block * 32 + j]!));
    const d = amax / 127, inv = d ? 1 / d : 0, at = block * 34;
    out.writeUInt16LE(f32ToF16(d), at);
    for (let j = 0; j < 32; j++) out.writeInt8(Math.round(row[block * 32 + j]! * inv), at + 2 + j);
  }
}

/** Writes a GGUF v3 file atomically (to path.tmp, then renamed). Returns the file size in bytes. */
export function writeGguf(path: string, metadata: Record<string, GgufMetaValue>, tensors: GgufTensorSpec[]): number {
  const header = new ByteBuilder();
  header.u32(0x46554747); // "GGUF"
  header.u32(3);
  header.u64(tensors.length);
  header.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) { header.str(key); writeValue(header, value); }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    header.str(t.name);
    header.u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(TENSOR_TYPE[t.type]);
    header.u64(offset);
    offsets.push(offset);
    const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
    offset += rowBytes(t.type, t.dims[0]!) * rows;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  header.padTo(ALIGNMENT);

  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let end = 0;
  try {
    let position = 0;
    const write = (bytes: Uint8Array) => { writeSync(fd, bytes, 0, bytes.length, position); position += bytes.length; };
    write(header.bytes());
    const dataStart = position;
    end = dataStart + offset;
    const chunk = Buffer.alloc(1 << 20);
    for (const [i, t] of tensors.entries()) {
      const n = t.dims[0]!, bytesPerRow = rowBytes(t.type, n), rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
      const row = new Float32Array(n), encoded = Buffer.alloc(bytesPerRow);
      position = dataStart + offsets[i]!;
      let used = 0;
      for (let r = 0; r < rows; r++) {
        if (t.encodedRow) encoded.set(t.encodedRow(r));
        else { t.fillRow(row, r); encodeRow(t.type, row, encoded); }
        if (used + bytesPerRow > chunk.length) { write(chunk.subarray(0, used)); used = 0; }
        if (bytesPerRow > chunk.length) write(encoded);
        else { encoded.copy(chunk, used); used += bytesPerRow; }
      }
      write(chunk.subarray(0, used));
    }
    if (position < end) writeSync(fd, Buffer.alloc(end - position), 0, end - position, position);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return end;
}

/** A llama-architecture shape; SMOLLM2_135M is the benchmark's, tests pass tiny ones. */
export interface LlamaShape {
  /** GGUF architecture written (default llama); qwen2 adds q/k/v biases. */
  arch?: 'llama' | 'qwen2';
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  context: number;
  ropeTheta: number;
  rmsEps: number;
}

export const SMOLLM2_135M: LlamaShape = {
  hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, vocab: 49152, context: 8192, ropeTheta: 100000, rmsEps: 1e-5,
};

/** SmolLM2-360M's shape: the benchmark's second size, where a process's fixed cost weighs less against the weights. */
export const SMOLLM2_360M: LlamaShape = {
  hidden: 960, intermediate: 2560, layers: 32, heads: 15, kvHeads: 5, vocab: 49152, context: 8192, ropeTheta: 100000, rmsEps: 1e-5,
};

/** llama.cpp's mixed quantisation presets (llama_model_quantize's ftypes) that tests and benchmarks write. */
export type GgufMixPreset = 'Q4_K_M' | 'Q5_K_M';
const MIX_BASE: Record<GgufMixPreset, GgufTensorType> = { Q4_K_M: 'Q4_K', Q5_K_M: 'Q5_K' };
/** general.file_type (llama_ftype) of each mix. */
export const MIX_FTYPE: Record<GgufMixPreset, number> = { Q4_K_M: 15, Q5_K_M: 17 };

/**
 * The type llama.cpp's llama_tensor_get_type gives matrix `name` under `preset`: Q6_K for the output (the embedding
 * when tied), and for attn_v / ffn_down of the layers use_more_bits picks (first and last eighth, every third between)
 * (the fused attn_qkv of models without attn_v takes one step up: Q5_K, Q6_K); the preset's base type elsewhere.
 */
export function mixPresetType(preset: GgufMixPreset, name: string, layers: number, tied: boolean): GgufTensorType {
  if (name === 'output.weight' || (tied && name === 'token_embd.weight')) return 'Q6_K';
  if (/^blk\.\d+\.attn_qkv\.weight$/.test(name)) return preset === 'Q4_K_M' ? 'Q5_K' : 'Q6_K';
  const m = /^blk\.(\d+)\.(attn_v|ffn_down)\.weight$/.exec(name);
  if (!m) return MIX_BASE[preset];
  const i = Number(m[1]);
  const moreBits = i < layers / 8 || i >= (7 * layers) / 8 || (i - Math.floor(layers / 8)) % 3 === 2;
  return moreBits ? 'Q6_K' : MIX_BASE[preset];
}

/** A gpt2-style BPE vocabulary as GGUF stores it. */
export interface GgufBpeTokenizer {
  pre: string;
  tokens: string[];
  /** 1 normal, 3 control (special added tokens). */
  tokenTypes: number[];
  merges: string[];
  bosId: number;
  eosId: number;
  unknownId: number;
  paddingId: number;
  chatTemplate: string;
}

/** Reads a Hugging Face BPE tokenizer folder (tokenizer.json + tokenizer_config.json) into GGUF's gpt2 vocabulary. */
export function bpeTokenizerFromHfFolder(folder: string, pre: string): GgufBpeTokenizer {
  const tokenizer = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as {
    model: { type: string; vocab: Record<string, number>; merges: (string | [string, string])[] };
    added_tokens: { id: number; content: string; special: boolean }[];
  };
  const config = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  if (tokenizer.model.type !== 'BPE') throw new Error(`${folder}: expected a BPE tokenizer, found ${tokenizer.model.type}`);
  const size = [...Object.values(tokenizer.model.vocab), ...tokenizer.added_tokens.map((t) => t.id)].reduce((a, b) => Math.max(a, b), 0) + 1; // no spread: 150k arguments overflow the stack
  const tokens = new Array<string>(size).fill(''), tokenTypes = new Array<number>(size).fill(1);
  for (const [text, id] of Object.entries(tokenizer.model.vocab)) tokens[id] = text;
  for (const t of tokenizer.added_tokens) { tokens[t.id] = t.content; if (t.special) tokenTypes[t.id] = 3; }
  const idOf = (key: string, fallback: number) => {
    const text = config[key];
    return typeof text === 'string' && tokens.includes(text) ? tokens.indexOf(text) : fallback;
  };
  return {
    pre,
    tokens,
    tokenTypes,
    merges: tokenizer.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' '))),
    bosId: idOf('bos_token', 1),
    eosId: idOf('eos_token', 2),
    unknownId: idOf('unk_token', 0),
    paddingId: idOf('pad_token', idOf('eos_token', 2)),
    chatTemplate: typeof config.chat_template === 'string' ? config.chat_template : '',
  };
}

/** mulberry32 mapped to [-1, 1): fast, seeded, good enough for weights whose values do not matter. */
export function uniformSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  };
}

/**
 * Writes a random-weight llama GGUF (tied embeddings, metadata exactly as llama.cpp reads it). Matrices use
 * `type`, norms stay F32 like llama.cpp's converter. Weight scale 0.05 keeps activations in a sane range.
 */
export function writeRandomLlamaGguf(path: string, shape: LlamaShape, type: GgufTensorType | 'Q4_K_M', tokenizer: GgufBpeTokenizer, seed = 1): number {
  if (tokenizer.tokens.length !== shape.vocab) throw new Error(`vocab ${shape.vocab} ≠ tokenizer size ${tokenizer.tokens.length}`);
  const arch = shape.arch ?? 'llama';
  const headDim = shape.hidden / shape.heads, kvDim = headDim * shape.kvHeads;
  const random = uniformSource(seed);
  const fill = (row: Float32Array) => { for (let i = 0; i < row.length; i++) row[i] = random() * 0.05; };
  const pools = new Map<string, Uint8Array[]>();
  const matrix = (name: string, cols: number, rows: number): GgufTensorSpec => {
    const t = type === 'Q4_K_M' ? mixPresetType(type, name, shape.layers, true) : type;
    if (t === 'F32' || t === 'F16' || t === 'BF16' || t === 'Q8_0') return { name, dims: [cols, rows], type: t, fillRow: fill };
    // the ggml reference quantizers cost ~1 µs a value in JS: block rows come from a pool of 64 encoded random rows
    const key = `${t}:${cols}`;
    if (!pools.has(key)) {
      const row = new Float32Array(cols);
      pools.set(key, Array.from({ length: 64 }, () => { fill(row); const out = Buffer.alloc(rowBytes(t, cols)); encodeRow(t, row, out); return out; }));
    }
    const pool = pools.get(key)!;
    return { name, dims: [cols, rows], type: t, fillRow: fill, encodedRow: (r) => pool[(r * 2654435761 + name.length * 40503) % 64 >>> 0]! };
  };
  const vector = (name: string, n: number, value?: number): GgufTensorSpec =>
    ({ name, dims: [n], type: 'F32', fillRow: (row) => (value === undefined ? fill(row) : row.fill(value)) });
  const tensors: GgufTensorSpec[] = [matrix('token_embd.weight', shape.hidden, shape.vocab)];
  for (let l = 0; l < shape.layers; l++) {
    tensors.push(
      vector(`blk.${l}.attn_norm.weight`, shape.hidden, 1),
      matrix(`blk.${l}.attn_q.weight`, shape.hidden, shape.hidden),
      matrix(`blk.${l}.attn_k.weight`, shape.hidden, kvDim),
      matrix(`blk.${l}.attn_v.weight`, shape.hidden, kvDim),
      ...(arch === 'qwen2' ? [vector(`blk.${l}.attn_q.bias`, shape.hidden), vector(`blk.${l}.attn_k.bias`, kvDim), vector(`blk.${l}.attn_v.bias`, kvDim)] : []),
      matrix(`blk.${l}.attn_output.weight`, shape.hidden, shape.hidden),
      vector(`blk.${l}.ffn_norm.weight`, shape.hidden, 1),
      matrix(`blk.${l}.ffn_gate.weight`, shape.hidden, shape.intermediate),
      matrix(`blk.${l}.ffn_up.weight`, shape.hidden, shape.intermediate),
      matrix(`blk.${l}.ffn_down.weight`, shape.intermediate, shape.hidden),
    );
  }
  tensors.push(vector('output_norm.weight', shape.hidden, 1));
  const fileType = type === 'Q4_K_M' ? MIX_FTYPE[type] : LLAMA_FTYPE[type];
  return writeGguf(path, {
    'general.architecture': gguf.str(arch),
    'general.name': gguf.str(`random-${arch}-${shape.hidden}x${shape.layers}`),
    'general.file_type': gguf.u32(fileType),
    'general.alignment': gguf.u32(ALIGNMENT),
    [`${arch}.vocab_size`]: gguf.u32(shape.vocab),
    [`${arch}.context_length`]: gguf.u32(shape.context),
    [`${arch}.embedding_length`]: gguf.u32(shape.hidden),
    [`${arch}.block_count`]: gguf.u32(shape.layers),
    [`${arch}.feed_forward_length`]: gguf.u32(shape.intermediate),
    [`${arch}.rope.dimension_count`]: gguf.u32(headDim),
    [`${arch}.attention.head_count`]: gguf.u32(shape.heads),
    [`${arch}.attention.head_count_kv`]: gguf.u32(shape.kvHeads),
    [`${arch}.rope.freq_base`]: gguf.f32(shape.ropeTheta),
    [`${arch}.attention.layer_norm_rms_epsilon`]: gguf.f32(shape.rmsEps),
    'tokenizer.ggml.model': gguf.str('gpt2'),
    'tokenizer.ggml.pre': gguf.str(tokenizer.pre),
    'tokenizer.ggml.tokens': gguf.strings(tokenizer.tokens),
    'tokenizer.ggml.token_type': gguf.i32s(tokenizer.tokenTypes),
    'tokenizer.ggml.merges': gguf.strings(tokenizer.merges),
    'tokenizer.ggml.bos_token_id': gguf.u32(tokenizer.bosId),
    'tokenizer.ggml.eos_token_id': gguf.u32(tokenizer.eosId),
    'tokenizer.ggml.unknown_token_id': gguf.u32(tokenizer.unknownId),
    'tokenizer.ggml.padding_token_id': gguf.u32(tokenizer.paddingId),
    'tokenizer.ggml.add_bos_token': gguf.bool(false),
    'tokenizer.chat_template': gguf.str(tokenizer.chatTemplate),
  }, tensors);
}
