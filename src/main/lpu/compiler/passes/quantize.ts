import { Q8_GROUP, QK_K } from '../../kernels/abi';
import { cloneGraph, type DType, type Graph, type Op } from '../../ir/graph';

/**
 * native: every matrix at the width the file stores it (Q4_0, Q4_K, Q5_K, Q6_K blocks as they are; Q8_0 as int8
 * with f16 scales; F16, BF16, F32 as floats). int8 / f16 / f32: every matrix converted to that format, on request.
 */
export type WeightFormat = 'native' | 'int8' | 'f16' | 'f32';
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['native', 'int8', 'f16', 'f32'];

/** The weight dtype each GGUF type keeps under 'native' (Q8_0 → i8 is the arena's int8 layout, a block copy). */
const NATIVE_DTYPE: Record<string, DType> = {
  F32: 'f32', F16: 'f16', BF16: 'bf16', Q8_0: 'i8', Q4_0: 'q4_0', Q4_K: 'q4_k', Q5_K: 'q5_k', Q6_K: 'q6_k',
};

/** Whether weights of dtype `d` are ggml blocks dotted with int8 activations (no separate scale tensor). */
export const isBlockDType = (d: DType): boolean => d === 'q4_0' || d === 'q4_k' || d === 'q5_k' || d === 'q6_k';
/** ggml type id of a weight dtype the embedding lookup dequantises (embedGgml). */
export const GGML_TYPE_OF: Partial<Record<DType, number>> = { f16: 1, bf16: 30, q4_0: 2, q4_k: 12, q5_k: 13, q6_k: 14 };

/**
 * The dtype a weight keeps under 'native', or undefined when the file's type has no kernel of its own (Q4_1,
 * Q5_0, …) or the loader cannot copy its bytes: those are converted to int8 and reported by the loader.
 */
function nativeDType(storedType: string | undefined, K: number): DType | undefined {
  const d = storedType ? NATIVE_DTYPE[storedType] : undefined;
  if (!d) return undefined;
  if ((d === 'i8' || d === 'q4_0') && K % Q8_GROUP !== 0) return undefined;
  if ((d === 'q4_k' || d === 'q5_k' || d === 'q6_k') && K % QK_K !== 0) return undefined;
  return d;
}

/**
 * quantize: chooses each weight's stored format and inserts the activation quantisation integer matmuls need.
 * `storedTypes` maps weight ids to the GGUF type the loader can copy as is (see storedTypesOf); 'native' keeps
 * them, any other format converts every matrix. int8 applies to matrices whose inner size is a multiple of 32;
 * others fall back to f32. Norm weights and biases stay f32. Matmuls reading the same activation share one
 * quantize op per activation format: per-32 int8 rows (int8 and Q4_0 weights) or Q8_K blocks (K-quants).
 */
export function quantize(input: Graph, format: WeightFormat, storedTypes: Record<string, string> = {}): Graph {
  const g = cloneGraph(input);
  const matrixIds = new Set(g.ops.filter((op) => op.kind === 'matmul').map((op) => op.inputs[1]!));
  const embedding = g.tensors.get('token_embd')!;
  const dim = embedding.shape[1]!;
  const toInt8 = (id: string) => {
    const t = g.tensors.get(id)!;
    const K = t.shape[1]!;
    t.dtype = 'i8';
    t.scales = `${id}.scales`;
    g.tensors.set(t.scales, { id: t.scales, kind: 'weight', dtype: 'f16', shape: [t.shape[0]!, K / Q8_GROUP], layer: t.layer });
  };

  if (format === 'native') {
    // the embedding table follows the file too: embed dequantises one row per token whatever its type
    for (const id of new Set([...matrixIds, 'token_embd'])) {
      const t = g.tensors.get(id)!;
      const K = t.shape[1]!;
      const d = nativeDType(storedTypes[id], K);
      if (d === 'i8' || (!d && K % Q8_GROUP === 0)) toInt8(id);
      else t.dtype = d ?? 'f32';
    }
  } else {
    for (const id of matrixIds) {
      const t = g.tensors.get(id)!;
      const K = t.shape[1]!;
      if (format === 'int8' && K % Q8_GROUP === 0) toInt8(id);
      else if (format === 'f16' && id !== 'token_embd') t.dtype = 'f16';
    }
    // The embedding table is read by embed too: keep it int8 only when it is int8 for the head as well.
    if (format === 'int8' && dim % Q8_GROUP === 0 && !embedding.scales) toInt8('token_embd');
  }

  if (embedding.scales) {
    const embed = g.ops.find((op) => op.kind === 'embed')!;
    embed.inputs.push(embedding.scales);
  }

  const ops: Op[] = [];
  const quantized = new Set<string>(); // `${activation}|${format}` already quantised and not rewritten since
  for (const op of g.ops) {
    const w = op.kind === 'matmul' ? g.tensors.get(op.inputs[1]!)! : undefined;
    const perGroup = w && (w.dtype === 'i8' || w.dtype === 'q4_0');
    const q8k = w && (w.dtype === 'q4_k' || w.dtype === 'q5_k' || w.dtype === 'q6_k');
    if (!perGroup && !q8k) {
      for (const key of [...quantized]) if (op.outputs.includes(key.split('|')[0]!)) quantized.delete(key);
      ops.push(op);
      continue;
    }
    const x = op.inputs[0]!;
    const src = g.tensors.get(x)!;
    const [rows, K] = src.shape as [number, number];
    const key = `${x}|${perGroup ? 'q8' : 'q8k'}`;
    if (perGroup) {
      const xq = `${x}.q`, xs = `${x}.qs`;
      if (!quantized.has(key)) {
        g.tensors.set(xq, { id: xq, kind: 'act', dtype: 'i8', shape: [rows, K], scales: xs, layer: src.layer });
        g.tensors.set(xs, { id: xs, kind: 'act', dtype: 'f32', shape: [rows, K / Q8_GROUP], layer: src.layer });
        ops.push({ id: 0, kind: 'quantize', inputs: [x], outputs: [xq, xs], attrs: { rowMode: op.attrs.rowMode, K }, layer: op.layer });
        quantized.add(key);
      }
      ops.push({ ...op, inputs: w.dtype === 'i8' ? [xq, xs, w.id, w.scales!] : [xq, xs, w.id] });
    } else {
      const y = `${x}.q8k`;
      if (!quantized.has(key)) {
        g.tensors.set(y, { id: y, kind: 'act', dtype: 'q8_k', shape: [rows, K], layer: src.layer });
        ops.push({ id: 0, kind: 'quantize', inputs: [x], outputs: [y], attrs: { rowMode: op.attrs.rowMode, K }, layer: op.layer });
        quantized.add(key);
      }
      ops.push({ ...op, inputs: [y, w!.id] });
    }
  }
  g.ops = ops.map((op, i) => ({ ...op, id: i }));
  return g;
}

/**
 * The GGUF type of each weight whose bytes the loader can copy into the arena unchanged (what 'native' keeps):
 * sources with a raw row reader, Q8_0 sources with their block copy, and F32.
 */
export function storedTypesOf(weights: Map<string, { storedType: string; readRawRows?: unknown; readQ8Rows?: unknown }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, w] of weights) {
    if (w.storedType === 'F32' || (w.storedType === 'Q8_0' && w.readQ8Rows) || (w.readRawRows && NATIVE_DTYPE[w.storedType])) out[id] = w.storedType;
  }
  return out;
}
