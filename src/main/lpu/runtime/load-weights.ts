import { Q8_GROUP, type ArenaMemory } from '../kernels/abi';
import { f16ToF32, f32ToF16 } from '../loader/dequant';
import { ropeFrequencies, type WeightSource } from '../loader/model-source';
import { SWA_ROPE_TABLE } from '../compiler/passes/lower';
import type { Program } from '../compiler/passes/emit';
import { AppError } from '../../../shared/errors';
import { DTYPE_BYTES } from '../ir/graph';
import { isBlockDType } from '../compiler/passes/quantize';

export interface QuantizationReport {
  /**
   * Relative RMS error of the stored weights against the file's values, over all int8/f16 matrices.
   * Q8_0 tensors copied block for block add no error, only their Σ value² (computed from the copy) to the reference.
   */
  weightRelativeRmsError: number;
  matricesQuantized: number;
  /** Matrices kept in f32 because their inner size is not a multiple of 32. */
  keptF32: string[];
  /** With 'native' weights: matrices converted to int8 because their file type (Q4_1, Q5_0, …) has no kernel of its own. */
  requantized: string[];
}

const CHUNK_ELEMS = 1 << 21;

/** Writes every weight allocation of the plan into the arena in the program's format; fills the RoPE tables. */
export function loadWeights(program: Program, weights: Map<string, WeightSource>, memory: ArenaMemory): QuantizationReport {
  const f32 = new Float32Array(memory.buffer);
  const i8 = new Int8Array(memory.buffer);
  const u16 = new Uint16Array(memory.buffer);
  const tensors = new Map(program.tensors.map((t) => [t.id, t]));
  let sqErr = 0, sqRef = 0, quantized = 0;
  const keptF32 = new Set<string>(), requantized = new Set<string>();
  const u8 = new Uint8Array(memory.buffer);
  let chunk = new Float32Array(0); // one read buffer for every tensor, so loading leaves no garbage behind

  for (const a of program.memory.allocations) {
    const t = tensors.get(a.tensor)!;
    const base = program.chipBase[a.chip]! + a.offset;
    if (t.kind === 'const' && (t.id === 'rope_table' || t.id === SWA_ROPE_TABLE)) {
      fillRopeTable(f32, base >> 2, program.bucket, program.config.headDim, program.config.ropeTheta, ropeFrequencies(program.config, t.id === SWA_ROPE_TABLE));
      continue;
    }
    if (t.kind !== 'weight' || t.id.endsWith('.scales')) continue;
    const source = weights.get(t.id);
    if (!source) throw new AppError('unsupported_model', `The model file lacks the weight ${t.id}, which its architecture needs.`);
    const cols = t.shape.length === 2 ? t.shape[1]! : t.shape[0]!;
    if (source.cols !== cols) throw new AppError('unsupported_model', `Weight ${t.id} has ${source.cols} columns where the config implies ${cols}.`);
    const rowStart = a.rowStart ?? 0;
    const rowEnd = a.rowEnd ?? (t.shape.length === 2 ? t.shape[0]! : 1);
    const scales = t.scales ? program.memory.allocations.find((s) => s.tensor === t.scales && s.chip === a.chip && (s.rowStart ?? 0) === rowStart)! : undefined;
    if (t.shape.length === 2 && t.dtype === 'f32' && t.id !== 'token_embd' && program.weights === 'int8') keptF32.add(t.id);
    if (t.dtype === 'bf16' || isBlockDType(t.dtype) || (t.dtype === 'f16' && source.storedType === 'F16' && source.readRawRows)) {
      // the file's own bytes: no conversion, so no error and nothing to measure
      if (!source.readRawRows || source.storedType.toLowerCase().replace('_', '') !== t.dtype.replace('_', '')) {
        throw new AppError('unsupported_model', `Weight ${t.id} is stored as ${source.storedType}, not as the ${t.dtype} the compiled program expects; recompile the model.`);
      }
      const bytes = (rowEnd - rowStart) * cols * DTYPE_BYTES[t.dtype];
      source.readRawRows(rowStart, rowEnd - rowStart, u8.subarray(base, base + bytes));
      if (rowStart === 0) quantized++;
      continue;
    }
    if (program.weights === 'native' && t.dtype === 'i8' && source.storedType !== 'Q8_0') requantized.add(t.id);
    if (t.dtype === 'i8' && source.readQ8Rows) {
      const n = (rowEnd - rowStart) * cols, sBase = (program.chipBase[a.chip]! + scales!.offset) >> 1;
      const quants = i8.subarray(base, base + n), groupScales = u16.subarray(sBase, sBase + n / Q8_GROUP);
      source.readQ8Rows(rowStart, rowEnd - rowStart, quants, groupScales);
      sqRef += q8SumOfSquares(t.id, quants, groupScales);
      if (rowStart === 0) quantized++;
      continue;
    }
    const chunkRows = Math.max(1, Math.floor(CHUNK_ELEMS / cols));
    if (chunk.length < Math.min(rowEnd - rowStart, chunkRows) * cols) chunk = new Float32Array(Math.min(rowEnd - rowStart, chunkRows) * cols);
    for (let r0 = rowStart; r0 < rowEnd; r0 += chunkRows) {
      const nRows = Math.min(chunkRows, rowEnd - r0);
      const n = nRows * cols;
      const view = chunk.subarray(0, n);
      source.readRows(r0, nRows, view);
      const dstElem = (r0 - rowStart) * cols;
      if (t.dtype === 'f32') f32.set(view, (base >> 2) + dstElem);
      else if (t.dtype === 'f16') {
        for (let i = 0; i < n; i++) u16[(base >> 1) + dstElem + i] = f32ToF16(view[i]!);
        for (let i = 0; i < n; i++) { const e = view[i]! - f16ToF32(u16[(base >> 1) + dstElem + i]!); sqErr += e * e; sqRef += view[i]! ** 2; }
      } else {
        const sBase = (program.chipBase[a.chip]! + scales!.offset) >> 1;
        const e = quantizeQ8(view, i8.subarray(base + dstElem, base + dstElem + n), u16.subarray(sBase + dstElem / Q8_GROUP, sBase + (dstElem + n) / Q8_GROUP));
        sqErr += e.sqErr; sqRef += e.sqRef;
      }
    }
    if (t.dtype !== 'f32' && rowStart === 0) quantized++;
  }
  return { weightRelativeRmsError: sqRef ? Math.sqrt(sqErr / sqRef) : 0, matricesQuantized: quantized, keptF32: [...keptF32], requantized: [...requantized] };
}

/** The largest binary16 below infinity: scales stay finite, as the kernels require. */
const F16_MAX_BITS = 0x7bff;

/**
 * Quantises values to int8 with one binary16 scale per 32: the scale max|v|/127 is rounded to f16 first and the
 * quants computed with that rounded scale, so w ≈ q·scale holds for the stored pair. Returns the squared error
 * of q·scale against the values and Σ value².
 */
export function quantizeQ8(values: Float32Array, quants: Int8Array, scales: Uint16Array): { sqErr: number; sqRef: number } {
  let sqErr = 0, sqRef = 0;
  for (let g = 0; g < values.length; g += Q8_GROUP) {
    let amax = 0;
    for (let j = 0; j < Q8_GROUP; j++) amax = Math.max(amax, Math.abs(values[g + j]!));
    const bits = Math.min(f32ToF16(amax / 127), F16_MAX_BITS);
    const scale = f16ToF32(bits);
    scales[g / Q8_GROUP] = bits;
    const inv = scale ? 1 / scale : 0;
    for (let j = 0; j < Q8_GROUP; j++) {
      const v = values[g + j]!;
      const q = Math.max(-127, Math.min(127, Math.round(v * inv))); // a scale rounded down (or subnormal) can push |q| past 127
      quants[g + j] = q;
      sqErr += (q * scale - v) ** 2;
      sqRef += v * v;
    }
  }
  return { sqErr, sqRef };
}

/** Σ (q·scale)² of copied Q8_0 blocks (the reference energy of exact weights); rejects non-finite scales. */
function q8SumOfSquares(tensor: string, quants: Int8Array, scales: Uint16Array): number {
  let sum = 0;
  for (let g = 0; g < scales.length; g++) {
    if ((scales[g]! & 0x7c00) === 0x7c00) throw new AppError('unsupported_model', `The model file's weight ${tensor} has an infinite or NaN Q8_0 scale; the file is damaged. Download it again.`);
    let groupSum = 0;
    for (let j = g * Q8_GROUP; j < (g + 1) * Q8_GROUP; j++) groupSum += quants[j]! * quants[j]!;
    sum += groupSum * f16ToF32(scales[g]!) ** 2;
  }
  return sum;
}

/** (cos, sin) of pos·freq[i] (default θ^(-2i/headDim)) for every position of the bucket and every rotated pair. */
export function fillRopeTable(f32: Float32Array, at: number, bucket: number, headDim: number, theta: number, freqs?: Float64Array): void {
  const half = headDim / 2;
  for (let pos = 0; pos < bucket; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * (freqs ? freqs[i]! : Math.pow(theta, (-2 * i) / headDim));
      f32[at + pos * headDim + 2 * i] = Math.cos(angle);
      f32[at + pos * headDim + 2 * i + 1] = Math.sin(angle);
    }
  }
}
