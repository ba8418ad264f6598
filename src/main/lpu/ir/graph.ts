import type { ModelConfig } from '../loader/model-source';

// The one IR: a static-shaped op graph for one forward step of up to `rows` tokens over a context bucket.
// Passes annotate it (dtype, chip, shards, addresses, cycles) rather than translate it into new IRs.

/**
 * Element types. q4_0/q4_k/q5_k/q6_k are ggml's weight blocks kept as the file stores them, q8_k the activation
 * blocks K-quant matmuls read (kernels/abi.ts); their bytes per element are exact binary fractions (block bytes /
 * block elements), so every whole row has a whole number of bytes.
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i8' | 'i32' | 'q4_0' | 'q4_k' | 'q5_k' | 'q6_k' | 'q8_k';
export const DTYPE_BYTES: Record<DType, number> = {
  f32: 4, f16: 2, bf16: 2, i8: 1, i32: 4, q4_0: 18 / 32, q4_k: 144 / 256, q5_k: 176 / 256, q6_k: 210 / 256, q8_k: 292 / 256,
};

/** weight: from the model file · kv: the cache, lives across steps · act: per-step scratch, reused by lifetime · const: tables. */
export type TensorKind = 'weight' | 'kv' | 'act' | 'const' | 'io';

export interface TensorDecl {
  id: string;
  kind: TensorKind;
  dtype: DType;
  shape: number[];
  /** For int8 weights/activations: the id of the f32 per-32-group scale tensor. */
  scales?: string;
  /** Layer index, or -1 for embedding/head tensors. */
  layer: number;
}

export type OpKind =
  | 'embed' | 'rmsnorm' | 'quantize' | 'matmul' | 'addBias' | 'rope' | 'storeKv' | 'attention' | 'siluMul' | 'add' | 'argmax' | 'c2c'
  | 'geluMul' | 'scale' | 'softcap';

export interface Op {
  id: number;
  kind: OpKind;
  /** Tensor ids read, in kernel argument order. */
  inputs: string[];
  /** Tensor ids written. */
  outputs: string[];
  attrs: {
    /** Rows (M) the op handles: 'rows' means the step's token count; 1 means only the last row (the head). */
    rowMode?: 'rows' | 'last';
    K?: number; N?: number; D?: number; eps?: number;
    /** scale: the factor; softcap: the cap. */
    factor?: number; cap?: number;
    /** attention variants (absent = causal over every key, 1/√headDim, no cap): sliding window, score scale, soft-cap. */
    window?: number; scale?: number; softcap?: number;
    /** c2c: bytes per row moved, and the chips it links. */
    bytesPerRow?: number; fromChip?: number; toChip?: number; pattern?: 'allgather' | 'send';
  };
  layer: number;
  /** Set by partition: the chip whose SRAM holds this op's activations (a pipeline stage's lead chip). */
  chip?: number;
  /** Set by partition: tensor-parallel shards of a matmul, output rows [nStart, nEnd) on each chip. */
  shards?: { chip: number; nStart: number; nEnd: number }[];
}

export interface Graph {
  config: ModelConfig;
  bucket: number;
  /** Static row count of a prefill chunk; decode runs the same program with one row. */
  rows: number;
  tensors: Map<string, TensorDecl>;
  ops: Op[];
}

export function tensorBytes(t: TensorDecl): number {
  return t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
}

/** Shallow-clones a graph so a pass can annotate without mutating its input. */
export function cloneGraph(g: Graph): Graph {
  return {
    ...g,
    tensors: new Map([...g.tensors].map(([k, v]) => [k, { ...v, shape: [...v.shape] }])),
    ops: g.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], attrs: { ...op.attrs }, shards: op.shards?.map((s) => ({ ...s })) })),
  };
}

/** Throws if an op reads a tensor no earlier op, weight, cache or input provides: the verifier run after every pass. */
export function verifyGraph(g: Graph, pass: string): void {
  const ready = new Set([...g.tensors.values()].filter((t) => t.kind !== 'act').map((t) => t.id));
  for (const op of g.ops) {
    for (const id of op.inputs) {
      if (!g.tensors.has(id)) throw new Error(`${pass}: op ${op.id} (${op.kind}) reads undeclared tensor ${id}`);
      if (!ready.has(id)) throw new Error(`${pass}: op ${op.id} (${op.kind}) reads ${id} before it is written`);
    }
    for (const id of op.outputs) {
      if (!g.tensors.has(id)) throw new Error(`${pass}: op ${op.id} (${op.kind}) writes undeclared tensor ${id}`);
      ready.add(id);
    }
  }
}

/** Text form of the graph, one op per line, for --dump-ir and golden files. */
export function dumpGraph(g: Graph): string {
  const lines = [`graph ${g.config.name} bucket=${g.bucket} rows=${g.rows}`];
  for (const t of g.tensors.values()) {
    if (t.kind === 'act' || t.layer <= 0) lines.push(`  %${t.id}: ${t.kind} ${t.dtype}[${t.shape.join(',')}]${t.scales ? ` scales=%${t.scales}` : ''}`);
  }
  for (const op of g.ops) {
    const attrs = Object.entries(op.attrs).map(([k, v]) => `${k}=${v}`).join(' ');
    const place = op.chip !== undefined ? ` @chip${op.chip}` : '';
    const shards = op.shards && op.shards.length > 1 ? ` shards=${op.shards.map((s) => `${s.chip}:${s.nStart}-${s.nEnd}`).join(',')}` : '';
    lines.push(`  ${op.id}: ${op.outputs.map((o) => '%' + o).join(', ')} = ${op.kind}(${op.inputs.map((i) => '%' + i).join(', ')}) ${attrs}${place}${shards}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}
