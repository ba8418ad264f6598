import { openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { readGgufMetadata, GGML_TYPES, type GgufTensorInfo } from './gguf';
import { dequantize, splitQ8_0Blocks } from './dequant';
import { fingerprintFiles, interleaveRopeRows, splitFused, weightName, type ModelConfig, type ModelSource, type WeightSource } from './model-source';
import { NEOX_ROPE, ggufConfig } from './architectures';

export { ggufConfig } from './architectures';

/** One read buffer per open file, grown as needed: a fresh Buffer per chunk left tens of MB of garbage at load. */
interface ReadScratch { bytes: Buffer }

const GGML_Q8_0 = 8;
/** Types whose bytes go into the arena unchanged under 'native' weights (Q8_0 has its own block copy). */
const RAW_COPY_TYPES = new Set(['F16', 'BF16', 'Q4_0', 'Q4_K', 'Q5_K', 'Q6_K']);
/** Bytes of Q8_0 blocks read per chunk when copying them straight into the arena. */
const Q8_COPY_CHUNK_BYTES = 1 << 21;

function readInto(scratch: ReadScratch, fd: number, length: number, position: number, filePath: string): Buffer {
  if (scratch.bytes.length < length) scratch.bytes = Buffer.allocUnsafe(length);
  const bytes = scratch.bytes.subarray(0, length);
  if (readSync(fd, bytes, 0, length, position) !== length) throw new Error(`unexpected end of ${filePath}`);
  return bytes;
}

function tensorSource(filePath: string, info: GgufTensorInfo, name: string, scratch: ReadScratch): WeightSource {
  const type = GGML_TYPES[info.type]!;
  const cols = info.dims[0]!;
  const rows = info.dims.slice(1).reduce((a, b) => a * b, 1);
  const rowBytes = (cols / type.blockElems) * type.blockBytes;
  const source: WeightSource = {
    name,
    rows,
    cols,
    storedType: info.typeName,
    readRows(row0, nRows, out) {
      const fd = openSync(filePath, 'r');
      try {
        dequantize(info.type, readInto(scratch, fd, nRows * rowBytes, info.fileOffset + row0 * rowBytes, filePath), out, 0, nRows * cols);
      } finally {
        closeSync(fd);
      }
    },
  };
  if (RAW_COPY_TYPES.has(info.typeName)) {
    source.readRawRows = (row0, nRows, out) => {
      // straight into the arena (a view of its shared buffer): no scratch copy
      const fd = openSync(filePath, 'r'), length = nRows * rowBytes, at = info.fileOffset + row0 * rowBytes;
      try {
        for (let done = 0; done < length;) {
          const got = readSync(fd, out, done, Math.min(length - done, Q8_COPY_CHUNK_BYTES), at + done);
          if (got === 0) throw new AppError('unsupported_model', `The GGUF file ${path.basename(filePath)} ends inside tensor ${name}; it is truncated. Download it again.`);
          done += got;
        }
      } finally {
        closeSync(fd);
      }
    };
  }
  if (info.type !== GGML_Q8_0) return source;
  const blocksPerRow = cols / type.blockElems;
  source.readQ8Rows = (row0, nRows, quants, scales) => {
    const chunkRows = Math.max(1, Math.floor(Q8_COPY_CHUNK_BYTES / rowBytes));
    const fd = openSync(filePath, 'r');
    try {
      for (let r = 0; r < nRows; r += chunkRows) {
        const n = Math.min(chunkRows, nRows - r);
        const bytes = readInto(scratch, fd, n * rowBytes, info.fileOffset + (row0 + r) * rowBytes, filePath);
        splitQ8_0Blocks(bytes, n * blocksPerRow, quants.subarray(r * cols), scales.subarray(r * blocksPerRow));
      }
    } finally {
      closeSync(fd);
    }
  };
  return source;
}

/** Opens a GGUF model: config, weight readers (q/k rows put in interleaved RoPE order) and tokenizer metadata. */
export function openGgufModel(filePath: string): ModelSource {
  const header = readGgufMetadata(filePath);
  const unsupported = header.tensors.filter((t) => !GGML_TYPES[t.type]);
  if (unsupported.length) {
    const types = [...new Set(unsupported.map((t) => t.typeName))].join(', ');
    throw new AppError('unsupported_model', `This GGUF file stores tensors as ${types}, which the LPU emulator cannot load; use F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K or Q6_K.`);
  }
  const scratch: ReadScratch = { bytes: Buffer.alloc(0) };
  const ropeFreqs = header.tensors.find((t) => t.name === 'rope_freqs.weight');
  const freqFactors = ropeFreqs ? readVector(tensorSource(filePath, ropeFreqs, 'rope_freqs', scratch)) : undefined;
  const config = ggufConfig(header, filePath, { freqFactors });
  const weights = new Map<string, WeightSource>();
  let parameterCount = 0;
  for (const info of header.tensors) {
    const name = info.name.replace(/\.weight$/, '');
    for (const source of splitFused(tensorSource(filePath, info, name, scratch), config)) weights.set(source.name, source);
    parameterCount += info.dims.reduce((a, b) => a * b, 1);
  }
  // llama.cpp runs these with NEOX (rotate-half) RoPE on unpermuted rows; llama/mistral GGUFs are already interleaved.
  if (NEOX_ROPE.has(config.architecture)) {
    for (const [name, source] of weights) {
      if (/\.attn_[qk](\.bias|_norm)?$/.test(name)) weights.set(name, interleaveRopeRows(source, config.headDim));
    }
  }
  if (!weights.has(weightName.layer(0, 'attn_q'))) {
    throw new AppError('unsupported_model', `The GGUF file ${path.basename(filePath)} has no blk.0.attn_q.weight; it is not a Llama-style decoder.`);
  }
  verifyShapes(config, weights, path.basename(filePath));
  const chatTemplate = header.metadata.get('tokenizer.chat_template');
  return {
    format: 'gguf',
    path: filePath,
    hash: fingerprintFiles([filePath]),
    config,
    weights,
    tokenizer: { kind: 'gguf', metadata: header.metadata as Map<string, unknown>, chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined },
    parameterCount,
  };
}

function readVector(source: WeightSource): number[] {
  const out = new Float32Array(source.rows * source.cols);
  source.readRows(0, source.rows, out);
  return [...out];
}

/** The [rows, cols] every tensor the architecture reads must have, checked before anything is allocated. */
export function expectedShapes(config: ModelConfig): Map<string, [number, number]> {
  const { dim, hiddenDim, nHeads, nKvHeads, headDim, vocabSize } = config;
  const qDim = nHeads * headDim, kvDim = nKvHeads * headDim;
  const shapes = new Map<string, [number, number]>([['token_embd', [vocabSize, dim]], ['output_norm', [1, dim]]]);
  if (!config.tiedEmbeddings) shapes.set('output', [vocabSize, dim]);
  for (let l = 0; l < config.nLayers; l++) {
    const set = (part: string, rows: number, cols: number) => shapes.set(weightName.layer(l, part), [rows, cols]);
    set('attn_norm', 1, dim); set('ffn_norm', 1, dim);
    set('attn_q', qDim, dim); set('attn_k', kvDim, dim); set('attn_v', kvDim, dim); set('attn_output', dim, qDim);
    set('ffn_gate', hiddenDim, dim); set('ffn_up', hiddenDim, dim); set('ffn_down', dim, hiddenDim);
    if (config.qkvBias) { set('attn_q.bias', 1, qDim); set('attn_k.bias', 1, kvDim); set('attn_v.bias', 1, kvDim); }
    if (config.qkNorm) { set('attn_q_norm', 1, headDim); set('attn_k_norm', 1, headDim); }
    if (config.postNorms) { set('post_attention_norm', 1, dim); set('post_ffw_norm', 1, dim); }
  }
  return shapes;
}

function verifyShapes(config: ModelConfig, weights: Map<string, WeightSource>, file: string): void {
  for (const [name, [rows, cols]] of expectedShapes(config)) {
    const w = weights.get(name);
    if (!w) throw new AppError('unsupported_model', `The GGUF file ${file} lacks the tensor ${name}.weight, which a ${config.architecture} model needs.`);
    if (w.rows !== rows || w.cols !== cols) {
      throw new AppError('unsupported_model', `The GGUF file ${file} has tensor ${name} of ${w.rows}×${w.cols} where its ${config.architecture} hyperparameters imply ${rows}×${cols}; the file is damaged or mislabelled.`);
    }
  }
}
