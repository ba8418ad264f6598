import { Q8_GROUP } from '../../kernels/abi';
import { cloneGraph, type Graph, type Op } from '../../ir/graph';

export type WeightFormat = 'int8' | 'f16' | 'f32';

/**
 * quantize: chooses each weight's stored format and inserts the activation quantisation INT8 matmuls need.
 * int8 applies to matrices whose inner size is a multiple of 32 (the Q8 group); others fall back to f32.
 * Norm weights and biases stay f32. Consecutive matmuls reading the same activation share one quantize op.
 * Weight scales are binary16 like GGUF Q8_0's, so an int8 matrix costs 34 bytes per 32 weights, as in the file.
 */
export function quantize(input: Graph, format: WeightFormat): Graph {
  const g = cloneGraph(input);
  const matrixIds = new Set(g.ops.filter((op) => op.kind === 'matmul').map((op) => op.inputs[1]!));
  const embedding = g.tensors.get('token_embd')!;
  const dim = embedding.shape[1]!;

  for (const id of matrixIds) {
    const t = g.tensors.get(id)!;
    const K = t.shape[1]!;
    if (format === 'int8' && K % Q8_GROUP === 0) {
      t.dtype = 'i8';
      t.scales = `${id}.scales`;
      g.tensors.set(t.scales, { id: t.scales, kind: 'weight', dtype: 'f16', shape: [t.shape[0]!, K / Q8_GROUP], layer: t.layer });
    } else if (format === 'f16' && id !== 'token_embd') {
      t.dtype = 'f16';
    }
  }
  // The embedding table is read by embed too: keep it int8 only when it is int8 for the head as well.
  if (format === 'int8' && dim % Q8_GROUP === 0 && !embedding.scales) {
    embedding.dtype = 'i8';
    embedding.scales = 'token_embd.scales';
    g.tensors.set('token_embd.scales', { id: 'token_embd.scales', kind: 'weight', dtype: 'f16', shape: [embedding.shape[0]!, dim / Q8_GROUP], layer: -1 });
  }

  if (embedding.scales) {
    const embed = g.ops.find((op) => op.kind === 'embed')!;
    embed.inputs.push(embedding.scales);
  }

  const ops: Op[] = [];
  let quantized: string | undefined;
  for (const op of g.ops) {
    if (op.kind === 'matmul' && g.tensors.get(op.inputs[1]!)!.dtype === 'i8') {
      const x = op.inputs[0]!;
      const src = g.tensors.get(x)!;
      const xq = `${x}.q`;
      if (quantized !== x) {
        const [rows, K] = src.shape as [number, number];
        g.tensors.set(xq, { id: xq, kind: 'act', dtype: 'i8', shape: [rows, K], scales: `${x}.qs`, layer: src.layer });
        g.tensors.set(`${x}.qs`, { id: `${x}.qs`, kind: 'act', dtype: 'f32', shape: [rows, K / Q8_GROUP], layer: src.layer });
        ops.push({ id: 0, kind: 'quantize', inputs: [x], outputs: [xq, `${x}.qs`], attrs: { rowMode: op.attrs.rowMode, K }, layer: op.layer });
        quantized = x;
      }
      ops.push({ ...op, inputs: [xq, `${x}.qs`, op.inputs[1]!, `${op.inputs[1]!}.scales`] });
    } else {
      if (op.outputs.includes(quantized ?? '')) quantized = undefined;
      ops.push(op);
    }
  }
  g.ops = ops.map((op, i) => ({ ...op, id: i }));
  return g;
}
