import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/** Architectures the emulator compiles: decoder-only transformers built from the same blocks (lower.ts). */
export type Architecture = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'phi3';
export const SUPPORTED_ARCHITECTURES: readonly Architecture[] = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'gemma3', 'phi3'];

/** Hyperparameters, the `Config` of llama2.c; the optional fields default to Llama's behaviour. */
export interface ModelConfig {
  architecture: Architecture;
  name: string;
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
  ropeTheta: number;
  rmsEps: number;
  tiedEmbeddings: boolean;
  qkvBias: boolean;
  /** Per-pair RoPE frequency divisors (llama3 scaling: the file's rope_freqs, or computed from rope.scaling.*). */
  ropeFreqFactors?: number[];
  /** Linear RoPE scaling: positions multiplied by this (1 / rope.scaling.factor); global layers only when swa. */
  ropeScale?: number;
  /** RoPE base of sliding-window layers (Gemma 3's local layers), when it differs from ropeTheta. */
  ropeThetaSwa?: number;
  /** RMSNorm of each query and key head before RoPE (Qwen3, Gemma 3). */
  qkNorm?: boolean;
  /** RMSNorm of the attention and FFN outputs before their residual adds (Gemma 2/3). */
  postNorms?: boolean;
  /** FFN gate activation: SiLU (SwiGLU) or tanh-GELU (GeGLU, Gemma). */
  ffnActivation?: 'silu' | 'gelu';
  /** Embedding rows multiplied by this (Gemma: √dim). */
  embedScale?: number;
  /** Attention score scale; 1/√headDim unless set (Gemma: 1/√query_pre_attn_scalar). */
  attnScale?: number;
  /** Attention scores soft-capped to c·tanh(s/c) (Gemma 2). */
  attnSoftcap?: number;
  /** Final logits soft-capped to c·tanh(l/c) (Gemma 2). */
  finalSoftcap?: number;
  /** Keys a sliding-window layer sees, its own position included. */
  slidingWindow?: number;
  /** With slidingWindow: layer l slides when l % swaPattern < swaPattern − 1 (every swaPattern-th layer is global). */
  swaPattern?: number;
}

/** Whether layer l attends through the sliding window (llama.cpp's swa pattern). */
export function isSlidingLayer(config: ModelConfig, l: number): boolean {
  const n = config.swaPattern ?? 0;
  return !!config.slidingWindow && n > 0 && l % n < n - 1;
}

/**
 * Angle per position of each rotated pair i, as llama.cpp's rope: pos · scale · base^(−2i/headDim) / factor[i].
 * Sliding-window layers with their own base (Gemma 3) use it unscaled.
 */
export function ropeFrequencies(config: ModelConfig, slidingLayer = false): Float64Array {
  const swa = slidingLayer && config.ropeThetaSwa !== undefined;
  const theta = swa ? config.ropeThetaSwa! : config.ropeTheta;
  const scale = slidingLayer && config.slidingWindow ? 1 : (config.ropeScale ?? 1);
  const factors = swa ? undefined : config.ropeFreqFactors;
  return Float64Array.from({ length: config.headDim / 2 }, (_, i) => (scale * Math.pow(theta, (-2 * i) / config.headDim)) / (factors?.[i] ?? 1));
}

/**
 * One weight tensor as a row reader: shape [rows, cols] (a vector is [1, n]); rows come out as f32 whatever
 * the stored type, read by range from the file so the whole tensor never needs to be in memory at once.
 */
export interface WeightSource {
  name: string;
  rows: number;
  cols: number;
  storedType: string;
  readRows(row0: number, nRows: number, out: Float32Array): void;
  /**
   * Present when the file stores the tensor in the arena's INT8 format (GGUF Q8_0): copies rows as int8
   * quants[nRows·cols] and binary16 scales[nRows·cols/32] with no f32 round trip, so loading is exact.
   */
  readQ8Rows?(row0: number, nRows: number, quants: Int8Array, scales: Uint16Array): void;
  /**
   * Present when the tensor's bytes can be copied as the file stores them (F16, BF16 and ggml blocks): writes
   * rows [row0, row0 + nRows) into out, whole rows back to back, so 'native' weights keep their own width.
   */
  readRawRows?(row0: number, nRows: number, out: Uint8Array): void;
}

export interface TokenizerSpec {
  kind: 'gguf' | 'hf-folder';
  /** For gguf: the metadata map; for hf-folder: the folder holding tokenizer.json. */
  metadata?: Map<string, unknown>;
  folder?: string;
  chatTemplate?: string;
}

export interface ModelSource {
  format: 'gguf' | 'safetensors';
  path: string;
  /** A fingerprint of the file(s) for compile caches. */
  hash: string;
  config: ModelConfig;
  weights: Map<string, WeightSource>;
  tokenizer: TokenizerSpec;
  /** Parameters of the tensors the emulator reads (a multimodal checkpoint's vision side not counted). */
  parameterCount: number;
  /** What the user should know about how the model runs (a multimodal model's images are not used). */
  notice?: string;
}

/** Canonical weight names (GGUF's, without `.weight`). */
export const weightName = {
  embedding: 'token_embd',
  outputNorm: 'output_norm',
  output: 'output',
  layer: (i: number, part: string) => `blk.${i}.${part}`,
};

/**
 * Wraps q/k projections (weights or biases) whose heads are in rotate-half (NEOX/HF) order so they read in
 * interleaved order: new row 2i ← old row i, new row 2i+1 ← old row i + headDim/2, per head.
 */
export function interleaveRopeRows(source: WeightSource, headDim: number): WeightSource {
  const half = headDim / 2;
  const isBias = source.rows === 1;
  const oldRow = (r: number) => {
    const head = Math.floor(r / headDim);
    const j = r % headDim;
    return head * headDim + (j % 2 === 0 ? j / 2 : half + (j - 1) / 2);
  };
  const { name, rows, cols, storedType } = source; // not spread: a copied readQ8Rows would read unpermuted rows
  if (isBias) {
    const full = new Float32Array(cols);
    return {
      name, rows, cols, storedType,
      readRows(row0, nRows, out) {
        source.readRows(0, 1, full);
        for (let c = 0; c < cols; c++) out[c] = full[oldRow(c)]!;
      },
    };
  }
  const row = new Float32Array(cols);
  const readQ8 = source.readQ8Rows?.bind(source);
  const readRaw = source.readRawRows?.bind(source);
  const groups = cols / 32; // Q8_0 blocks per row
  return {
    name, rows, cols, storedType,
    readRows(row0, nRows, out) {
      for (let r = 0; r < nRows; r++) {
        source.readRows(oldRow(row0 + r), 1, row);
        out.set(row, r * cols);
      }
    },
    ...(readQ8 && {
      readQ8Rows(row0: number, nRows: number, quants: Int8Array, scales: Uint16Array) {
        for (let r = 0; r < nRows; r++) {
          readQ8(oldRow(row0 + r), 1, quants.subarray(r * cols, (r + 1) * cols), scales.subarray(r * groups, (r + 1) * groups));
        }
      },
    }),
    ...(readRaw && {
      readRawRows(row0: number, nRows: number, out: Uint8Array) {
        const rowBytes = out.length / nRows;
        for (let r = 0; r < nRows; r++) readRaw(oldRow(row0 + r), 1, out.subarray(r * rowBytes, (r + 1) * rowBytes));
      },
    }),
  };
}

/** Rows [row0, row0 + rows) of a fused tensor (Phi-3's attn_qkv, ffn_up) as a tensor of its own. */
export function rowRange(source: WeightSource, name: string, row0: number, rows: number): WeightSource {
  const readQ8 = source.readQ8Rows?.bind(source), readRaw = source.readRawRows?.bind(source);
  return {
    name, rows, cols: source.cols, storedType: source.storedType,
    readRows: (r, n, out) => source.readRows(row0 + r, n, out),
    ...(readQ8 && { readQ8Rows: (r: number, n: number, quants: Int8Array, scales: Uint16Array) => readQ8(row0 + r, n, quants, scales) }),
    ...(readRaw && { readRawRows: (r: number, n: number, out: Uint8Array) => readRaw(row0 + r, n, out) }),
  };
}

/** Phi-3's fused attn_qkv and ffn_up (gate rows first, then up) as the separate tensors the other architectures have. */
export function splitFused(source: WeightSource, config: ModelConfig): WeightSource[] {
  const m = /^blk\.(\d+)\.(attn_qkv|ffn_up)$/.exec(source.name);
  if (!m) return [source];
  const layer = (part: string) => weightName.layer(Number(m[1]), part);
  const qDim = config.nHeads * config.headDim, kvDim = config.nKvHeads * config.headDim;
  if (m[2] === 'attn_qkv') {
    return [rowRange(source, layer('attn_q'), 0, qDim), rowRange(source, layer('attn_k'), qDim, kvDim), rowRange(source, layer('attn_v'), qDim + kvDim, kvDim)];
  }
  if (source.rows !== 2 * config.hiddenDim) return [source]; // an ordinary up projection
  return [rowRange(source, layer('ffn_gate'), 0, config.hiddenDim), rowRange(source, layer('ffn_up'), config.hiddenDim, config.hiddenDim)];
}

/** Reads a byte range of a file into a fresh buffer. */
export function readFileRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const got = readSync(fd, buf, done, length - done, offset + done);
      if (got === 0) throw new Error(`unexpected end of ${path}`);
      done += got;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** sha256 over size + first and last MiB: cheap, and changes whenever the weights or header change in practice. */
export function fingerprintFiles(paths: string[]): string {
  const hash = createHash('sha256');
  for (const p of paths) {
    const fd = openSync(p, 'r');
    try {
      const size = fstatSync(fd).size;
      hash.update(`${size}:`);
      const n = Math.min(size, 1 << 20);
      const buf = Buffer.allocUnsafe(n);
      readSync(fd, buf, 0, n, 0);
      hash.update(buf);
      readSync(fd, buf, 0, n, size - n);
      hash.update(buf);
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex').slice(0, 16);
}
