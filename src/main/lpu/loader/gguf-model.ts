import { openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors';
import { readGgufMetadata, isStringList, GGML_TYPES, type GgufHeader, type GgufTensorInfo } from './gguf';
import { dequantize, splitQ8_0Blocks } from './dequant';
import {
  SUPPORTED_ARCHITECTURES, fingerprintFiles, interleaveRopeRows, weightName,
  type Architecture, type ModelConfig, type ModelSource, type WeightSource,
} from './model-source';

/** Reads [architecture].* hyperparameters from GGUF metadata. */
export function ggufConfig(header: GgufHeader, filePath: string): ModelConfig {
  const md = header.metadata;
  const arch = String(md.get('general.architecture') ?? '');
  if (!SUPPORTED_ARCHITECTURES.includes(arch as Architecture)) {
    throw new AppError('unsupported_model', `The model architecture "${arch || 'unknown'}" is not supported by the LPU emulator; it runs ${SUPPORTED_ARCHITECTURES.join(', ')} models.`);
  }
  const num = (key: string, fallback?: number): number => {
    const v = md.get(`${arch}.${key}`);
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new AppError('unsupported_model', `The GGUF file ${path.basename(filePath)} lacks ${arch}.${key}, so its shape is unknown.`);
    }
    return Number(v);
  };
  const tensor = (name: string) => header.tensors.find((t) => t.name === name);
  const dim = num('embedding_length');
  const nHeads = num('attention.head_count');
  const embd = tensor('token_embd.weight');
  if (!embd) throw new AppError('unsupported_model', `The GGUF file ${path.basename(filePath)} has no token_embd.weight tensor.`);
  const tokens = md.get('tokenizer.ggml.tokens');
  return {
    architecture: arch as Architecture,
    name: String(md.get('general.name') ?? path.basename(filePath, '.gguf')),
    dim,
    hiddenDim: num('feed_forward_length'),
    nLayers: num('block_count'),
    nHeads,
    nKvHeads: num('attention.head_count_kv', nHeads),
    headDim: num('attention.key_length', dim / nHeads),
    vocabSize: embd.dims[1] ?? (isStringList(tokens) ? tokens.length : 0),
    contextLength: num('context_length'),
    ropeTheta: num('rope.freq_base', 10000),
    rmsEps: num('attention.layer_norm_rms_epsilon', 1e-5),
    tiedEmbeddings: !tensor('output.weight'),
    qkvBias: !!tensor('blk.0.attn_q.bias'),
  };
}

/** One read buffer per open file, grown as needed: a fresh Buffer per chunk left tens of MB of garbage at load. */
interface ReadScratch { bytes: Buffer }

const GGML_Q8_0 = 8;
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
  const config = ggufConfig(header, filePath);
  const unsupported = header.tensors.filter((t) => !GGML_TYPES[t.type]);
  if (unsupported.length) {
    const types = [...new Set(unsupported.map((t) => t.typeName))].join(', ');
    throw new AppError('unsupported_model', `This GGUF file stores tensors as ${types}, which the LPU emulator cannot load; use F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K or Q6_K.`);
  }
  // llama.cpp runs qwen2 with NEOX (rotate-half) RoPE on unpermuted weights; llama/mistral GGUFs are already interleaved.
  const neox = config.architecture === 'qwen2';
  const weights = new Map<string, WeightSource>();
  let parameterCount = 0;
  const scratch: ReadScratch = { bytes: Buffer.alloc(0) };
  for (const info of header.tensors) {
    const name = info.name.replace(/\.weight$/, '');
    let source = tensorSource(filePath, info, name, scratch);
    if (neox && /\.attn_[qk](\.bias)?$/.test(name)) source = interleaveRopeRows(source, config.headDim);
    weights.set(name, source);
    parameterCount += info.dims.reduce((a, b) => a * b, 1);
  }
  if (!weights.has(weightName.layer(0, 'attn_q'))) {
    throw new AppError('unsupported_model', `The GGUF file ${path.basename(filePath)} has no blk.0.attn_q.weight; it is not a Llama-style decoder.`);
  }
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
