import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/** Architectures the emulator compiles; all are Llama-shaped decoders. */
export type Architecture = 'llama' | 'qwen2' | 'mistral';
export const SUPPORTED_ARCHITECTURES: readonly Architecture[] = ['llama', 'qwen2', 'mistral'];

/** Hyperparameters, the `Config` of llama2.c. */
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
  parameterCount: number;
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
  };
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
