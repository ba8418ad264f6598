import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { AppError } from '../../../shared/errors';

// GGUF (llama.cpp's model file): header, typed key/value metadata, tensor infos, then aligned tensor data.
// We parse only the header here and read tensor bytes later by range, so a 4 GB file never sits in JS memory.

export type GgufValue = number | bigint | boolean | string | GgufValue[] | GgufStringArray;

/** What a vocabulary consumer reads: a plain string[] or a GgufStringArray (both have length and at()). */
export interface StringList {
  readonly length: number;
  at(index: number): string | undefined;
}

export function isStringList(value: unknown): value is StringList {
  return Array.isArray(value) || value instanceof GgufStringArray;
}

/**
 * A long GGUF string array (a vocabulary, its merges) kept as its UTF-8 bytes plus offsets. As JS strings a
 * 49k-token vocabulary and its merges are ~100k heap objects that all survive, which makes V8 grow its young
 * generation by ~15 MB during loading; here they are two buffers, and at() makes a short-lived string on demand.
 */
export class GgufStringArray implements StringList {
  constructor(private readonly bytes: Buffer, private readonly offsets: Uint32Array) {}
  get length(): number {
    return this.offsets.length - 1;
  }
  at(index: number): string | undefined {
    const i = index < 0 ? index + this.length : index;
    if (!(i >= 0 && i < this.length)) return undefined;
    return this.bytes.toString('utf8', this.offsets[i]!, this.offsets[i + 1]!);
  }
}

/** A string[] of the list: itself when it is one, else its strings made once. */
export function materialised(list: StringList): string[] {
  return Array.isArray(list) ? (list as string[]) : Array.from({ length: list.length }, (_, i) => list.at(i)!);
}

/** String arrays at least this long are kept as GgufStringArray; short ones (names, lists) stay string[]. */
const COMPACT_STRING_ARRAY_MIN = 256;

/** ggml tensor types this loader can dequantise, by their numeric id in the file. */
export const GGML_TYPES: Record<number, { name: string; blockElems: number; blockBytes: number }> = {
  0: { name: 'F32', blockElems: 1, blockBytes: 4 },
  1: { name: 'F16', blockElems: 1, blockBytes: 2 },
  2: { name: 'Q4_0', blockElems: 32, blockBytes: 18 },
  3: { name: 'Q4_1', blockElems: 32, blockBytes: 20 },
  8: { name: 'Q8_0', blockElems: 32, blockBytes: 34 },
  12: { name: 'Q4_K', blockElems: 256, blockBytes: 144 },
  13: { name: 'Q5_K', blockElems: 256, blockBytes: 176 },
  14: { name: 'Q6_K', blockElems: 256, blockBytes: 210 },
  30: { name: 'BF16', blockElems: 1, blockBytes: 2 },
};

/** Names of ggml types we recognise but cannot load, so errors can name them. */
const KNOWN_UNSUPPORTED: Record<number, string> = {
  6: 'Q5_0', 7: 'Q5_1', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS',
  19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M',
};

export function ggmlTypeName(type: number): string {
  return GGML_TYPES[type]?.name ?? KNOWN_UNSUPPORTED[type] ?? `type ${type}`;
}

export interface GgufTensorInfo {
  name: string;
  /** ne order as stored: dims[0] is the innermost (contiguous) dimension. */
  dims: number[];
  type: number;
  typeName: string;
  /** Absolute byte offset of the tensor data in the file. */
  fileOffset: number;
  byteLength: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  dataOffset: number;
  fileSize: number;
}

/** Sequential reader over a file descriptor with a sliding window, for the variable-length header. */
class WindowReader {
  private buf = Buffer.alloc(1 << 20);
  private bufStart = 0;
  private bufEnd = 0;
  pos = 0;
  constructor(private readonly fd: number, private readonly fileSize: number, private readonly path: string) {}

  private ensure(n: number): void {
    if (this.pos + n <= this.bufEnd && this.pos >= this.bufStart) return;
    if (this.pos + n > this.fileSize) {
      throw new AppError('unsupported_model', `The model file ${this.path} is truncated or not a valid GGUF file.`);
    }
    if (n > this.buf.length) this.buf = Buffer.alloc(n * 2);
    const got = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
    this.bufStart = this.pos;
    this.bufEnd = this.pos + got;
  }
  u8(): number { this.ensure(1); return this.buf.readUInt8(this.pos++ - this.bufStart); }
  i8(): number { this.ensure(1); return this.buf.readInt8(this.pos++ - this.bufStart); }
  private take<T>(n: number, read: (o: number) => T): T { this.ensure(n); const v = read(this.pos - this.bufStart); this.pos += n; return v; }
  u16(): number { return this.take(2, (o) => this.buf.readUInt16LE(o)); }
  i16(): number { return this.take(2, (o) => this.buf.readInt16LE(o)); }
  u32(): number { return this.take(4, (o) => this.buf.readUInt32LE(o)); }
  i32(): number { return this.take(4, (o) => this.buf.readInt32LE(o)); }
  f32(): number { return this.take(4, (o) => this.buf.readFloatLE(o)); }
  f64(): number { return this.take(8, (o) => this.buf.readDoubleLE(o)); }
  u64(): bigint { return this.take(8, (o) => this.buf.readBigUInt64LE(o)); }
  i64(): bigint { return this.take(8, (o) => this.buf.readBigInt64LE(o)); }
  size(): number {
    const v = this.u64();
    if (v > BigInt(this.fileSize)) throw new AppError('unsupported_model', `The model file ${this.path} is corrupt (a length exceeds the file size).`);
    return Number(v);
  }
  str(): string { const n = this.size(); return this.take(n, (o) => this.buf.toString('utf8', o, o + n)); }
  /** Appends a length-prefixed string's raw bytes to `out` at `at`, growing it as needed; returns [out, new end]. */
  strBytes(out: Buffer, at: number): [Buffer, number] {
    const n = this.size();
    if (at + n > out.length) { const grown = Buffer.allocUnsafe(Math.max(out.length * 2, at + n)); out.copy(grown, 0, 0, at); out = grown; }
    this.take(n, (o) => this.buf.copy(out, at, o, o + n));
    return [out, at + n];
  }
}

function readStringArray(r: WindowReader, count: number): GgufStringArray {
  const offsets = new Uint32Array(count + 1);
  let bytes: Buffer = Buffer.allocUnsafe(Math.max(1024, count * 8)), end = 0;
  for (let i = 0; i < count; i++) {
    [bytes, end] = r.strBytes(bytes, end);
    offsets[i + 1] = end;
  }
  return new GgufStringArray(Buffer.from(bytes.subarray(0, end)), offsets); // a right-sized copy, so the slack is freed
}

function readValue(r: WindowReader, type: number): GgufValue {
  switch (type) {
    case 0: return r.u8();
    case 1: return r.i8();
    case 2: return r.u16();
    case 3: return r.i16();
    case 4: return r.u32();
    case 5: return r.i32();
    case 6: return r.f32();
    case 7: return r.u8() !== 0;
    case 8: return r.str();
    case 9: {
      const itemType = r.u32();
      const count = r.size();
      if (itemType === 8 && count >= COMPACT_STRING_ARRAY_MIN) return readStringArray(r, count);
      const items: GgufValue[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = readValue(r, itemType);
      return items;
    }
    case 10: { const v = r.u64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 11: { const v = r.i64(); return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v; }
    case 12: return r.f64();
    default: throw new AppError('unsupported_model', `This GGUF file uses an unknown metadata value type (${type}); it may be from a newer llama.cpp.`);
  }
}

/** Parses header, metadata and tensor infos only (no tensor data). */
export function readGgufMetadata(path: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new AppError('model_not_found', `The model file ${path} could not be opened.`, cause);
  }
  try {
    const fileSize = fstatSync(fd).size;
    const r = new WindowReader(fd, fileSize, path);
    if (fileSize < 8 || r.u32() !== 0x46554747) {
      throw new AppError('unsupported_model', `${path} is not a GGUF file (the first bytes are not "GGUF").`);
    }
    const version = r.u32();
    if (version < 2 || version > 3) {
      throw new AppError('unsupported_model', `${path} is GGUF version ${version}; Lockstep reads versions 2 and 3. Re-convert it with a recent llama.cpp.`);
    }
    const tensorCount = r.size();
    const kvCount = r.size();
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.str();
      metadata.set(key, readValue(r, r.u32()));
    }
    const infos: Omit<GgufTensorInfo, 'fileOffset' | 'byteLength'>[] = [];
    const relOffsets: number[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = r.str();
      const nDims = r.u32();
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(r.size());
      const type = r.u32();
      relOffsets.push(r.size());
      infos.push({ name, dims, type, typeName: ggmlTypeName(type) });
    }
    const alignment = Number(metadata.get('general.alignment') ?? 32);
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    const tensors = infos.map((info, i) => {
      const elems = info.dims.reduce((a, b) => a * b, 1);
      const t = GGML_TYPES[info.type];
      const byteLength = t ? (elems / t.blockElems) * t.blockBytes : 0;
      return { ...info, fileOffset: dataOffset + relOffsets[i]!, byteLength };
    });
    for (const t of tensors) {
      if (t.byteLength && t.fileOffset + t.byteLength > fileSize) {
        throw new AppError('unsupported_model', `The model file ${path} is truncated: tensor ${t.name} extends past the end of the file.`);
      }
    }
    return { version, metadata, tensors, dataOffset, fileSize };
  } finally {
    closeSync(fd);
  }
}
