import { Q8_GROUP, type ArenaMemory, type KernelSet } from '../kernels/abi';
import type { Program } from '../compiler/passes/emit';
import type { Op, TensorDecl } from '../ir/graph';
import { DTYPE_BYTES } from '../ir/graph';
import { GGML_TYPE_OF } from '../compiler/passes/quantize';

/** One op bound to arena pointers and a kernel: run(m, pos0) for a step of m tokens starting at position pos0. */
type BoundOp = (m: number, pos0: number) => void;

/**
 * Executes a compiled program on the arena. Every op is bound to its pointers once, at construction;
 * a step then only calls kernels in program order, allocating nothing.
 */
export class Executor {
  private readonly bound: BoundOp[];
  private readonly i32: Int32Array;
  /** Byte offset of the step's token ids (i32[rows]) in the arena; any thread may write them before run(). */
  readonly idsPtr: number;
  readonly logitsPtr: number;

  /** onOp runs before each op: the parallel runner (runtime/parallel/) synchronises its threads there. */
  constructor(readonly program: Program, readonly memory: ArenaMemory, readonly kernels: KernelSet, private readonly onOp?: (op: Op) => void) {
    this.i32 = new Int32Array(memory.buffer);
    const tensors = new Map(program.tensors.map((t) => [t.id, t]));
    const where = new Map<string, number>();
    for (const a of program.memory.allocations) where.set(`${a.tensor}@${a.chip}@${a.rowStart ?? 0}`, program.chipBase[a.chip]! + a.offset);
    const ptr = (id: string, chip: number, rowStart = 0) => {
      const p = where.get(`${id}@${chip}@${rowStart}`);
      if (p === undefined) throw new Error(`executor: ${id} has no allocation on chip ${chip} (rows from ${rowStart})`);
      return p;
    };
    const lastStageChip = program.ops[program.ops.length - 1]!.chip ?? 0;
    this.idsPtr = ptr('ids', program.ops[0]!.chip ?? 0);
    this.logitsPtr = ptr('logits', lastStageChip);
    this.bound = program.ops.map((op) => bindOp(op, tensors, ptr, kernels, memory, program));
  }

  /** Runs one step: tokens[0..m) at positions pos0..pos0+m-1; returns the byte offset of the last row's logits. */
  step(tokens: ArrayLike<number>, m: number, pos0: number): number {
    if (m > this.program.rows) throw new Error(`step of ${m} rows exceeds the program's ${this.program.rows}`);
    for (let i = 0; i < m; i++) this.i32[(this.idsPtr >> 2) + i] = tokens[i]!;
    return this.run(m, pos0);
  }

  /** Runs one step over ids already in the arena at idsPtr (written by any thread sharing it). */
  run(m: number, pos0: number): number {
    if (this.onOp) for (let i = 0; i < this.bound.length; i++) { this.onOp(this.program.ops[i]!); this.bound[i]!(m, pos0); }
    else for (let i = 0; i < this.bound.length; i++) this.bound[i]!(m, pos0);
    return this.logitsPtr;
  }
}

function bindOp(
  op: Op, tensors: Map<string, TensorDecl>, ptr: (id: string, chip: number, rowStart?: number) => number,
  k: KernelSet, memory: ArenaMemory, program: Program,
): BoundOp {
  const chip = op.chip ?? 0;
  const cfg = program.config;
  const last = op.attrs.rowMode === 'last';
  const t = (i: number) => tensors.get(op.inputs[i]!)!;
  const rowBytes = (id: string) => { const d = tensors.get(id)!; return (d.shape.slice(1).reduce((a, b) => a * b, 1)) * DTYPE_BYTES[d.dtype]; };
  // A 'last' op reads only the final row of a full-rows activation (the head needs one row of logits).
  const rowPtr = (id: string, m: number) => {
    const d = tensors.get(id)!;
    return ptr(id, chip) + (last && d.kind === 'act' && d.shape[0]! > 1 ? (m - 1) * rowBytes(id) : 0);
  };
  const rowsOf = (m: number) => (last ? 1 : m);
  // a cache's position slots: the bucket, or a sliding-window layer's ring (kernels store position p at p mod slots)
  const kvSlots = (id: string) => tensors.get(id)!.shape[1]!;

  switch (op.kind) {
    case 'embed': {
      const D = op.attrs.D!;
      const table = t(1);
      const ggmlType = GGML_TYPE_OF[table.dtype] ?? -1; // a file-format table (f16, bf16, ggml blocks)
      const i32 = new Int32Array(memory.buffer);
      const ids = ptr('ids', chip);
      const out = ptr(op.outputs[0]!, chip);
      const shards = op.shards!.map((s) => ({
        ...s,
        // Pointers shifted by -nStart rows so the kernel's row index stays the vocabulary id.
        w: ptr(table.id, s.chip, s.nStart) - s.nStart * D * DTYPE_BYTES[table.dtype],
        ws: table.scales ? ptr(table.scales, s.chip, s.nStart) - s.nStart * (D / Q8_GROUP) * DTYPE_BYTES.f16 : 0,
      }));
      return (m) => {
        for (let r = 0; r < m; r++) {
          const id = i32[(ids >> 2) + r]!;
          for (const s of shards) {
            if (id < s.nStart || id >= s.nEnd) continue;
            if (table.dtype === 'i8') k.embedQ8(out + r * D * 4, ids + r * 4, s.w, s.ws, 1, D);
            else if (table.dtype === 'f32') k.embedF32(out + r * D * 4, ids + r * 4, s.w, 1, D);
            else k.embedGgml(out + r * D * 4, ids + r * 4, s.w, 1, D, ggmlType);
          }
        }
      };
    }
    case 'rmsnorm': {
      const D = op.attrs.D!, eps = op.attrs.eps!, heads = op.attrs.N ?? 1; // N: one norm per head of D (Q/K norm)
      const w = ptr(op.inputs[1]!, chip), out = ptr(op.outputs[0]!, chip);
      return (m) => k.rmsnorm(out, rowPtr(op.inputs[0]!, m), w, rowsOf(m) * heads, D, eps);
    }
    case 'quantize': {
      const K = op.attrs.K!;
      const xq = ptr(op.outputs[0]!, chip);
      if (op.outputs.length === 1) return (m) => k.quantizeRowsQ8K(xq, rowPtr(op.inputs[0]!, m), rowsOf(m), K); // Q8_K blocks
      const xs = ptr(op.outputs[1]!, chip);
      return (m) => k.quantizeRowsQ8(xq, xs, rowPtr(op.inputs[0]!, m), rowsOf(m), K);
    }
    case 'matmul': {
      const K = op.attrs.K!, N = op.attrs.N!;
      // inputs: [xq, xs, w, ws] int8 · [xq, xs, w] Q4_0 · [y, w] K-quants (Q8_K activations) · [x, w] floats
      const int8 = op.inputs.length === 4;
      const w = tensors.get(op.inputs[op.inputs.length === 2 ? 1 : 2]!)!;
      const shards = op.shards!.map((s) => ({
        ...s,
        w: ptr(w.id, s.chip, s.nStart) - s.nStart * K * DTYPE_BYTES[w.dtype],
        ws: int8 ? ptr(w.scales!, s.chip, s.nStart) - s.nStart * (K / Q8_GROUP) * DTYPE_BYTES.f16 : 0,
      }));
      const out = op.outputs[0]!;
      if (w.dtype === 'q4_0') {
        const xq = ptr(op.inputs[0]!, chip), xs = ptr(op.inputs[1]!, chip), o = ptr(out, chip);
        return (m) => { for (const s of shards) k.matmulQ4_0(o, xq, xs, s.w, rowsOf(m), K, N, s.nStart, s.nEnd); };
      }
      if (w.dtype === 'q4_k' || w.dtype === 'q5_k' || w.dtype === 'q6_k') {
        const y = ptr(op.inputs[0]!, chip), o = ptr(out, chip);
        const mm = w.dtype === 'q4_k' ? k.matmulQ4K : w.dtype === 'q5_k' ? k.matmulQ5K : k.matmulQ6K;
        return (m) => { for (const s of shards) mm(o, y, s.w, rowsOf(m), K, N, s.nStart, s.nEnd); };
      }
      if (int8) {
        const xq = ptr(op.inputs[0]!, chip), xs = ptr(op.inputs[1]!, chip);
        const o = ptr(out, chip);
        return (m) => { for (const s of shards) k.matmulQ8(o, xq, xs, s.w, s.ws, rowsOf(m), K, N, s.nStart, s.nEnd); };
      }
      const float = w.dtype === 'f16' ? k.matmulF16 : w.dtype === 'bf16' ? k.matmulBF16 : k.matmulF32;
      const o = ptr(out, chip);
      return (m) => {
        const x = rowPtr(op.inputs[0]!, m);
        for (const s of shards) float(o, x, s.w, rowsOf(m), K, N, s.nStart, s.nEnd);
      };
    }
    case 'addBias': {
      const N = op.attrs.N!, bias = ptr(op.inputs[1]!, chip);
      const x = ptr(op.inputs[0]!, chip);
      return (m) => k.addBias(x, bias, m, N);
    }
    case 'rope': {
      const table = ptr(op.inputs[1]!, chip), heads = op.attrs.N!;
      const x = ptr(op.inputs[0]!, chip);
      return (m, pos0) => k.rope(x, table, m, heads, cfg.headDim, pos0);
    }
    case 'storeKv': {
      const kRows = ptr(op.inputs[0]!, chip), vRows = ptr(op.inputs[1]!, chip);
      const kCache = ptr(op.outputs[0]!, chip), vCache = ptr(op.outputs[1]!, chip), slots = kvSlots(op.outputs[0]!);
      return (m, pos0) => {
        k.storeKvF16(kCache, kRows, m, pos0, cfg.nKvHeads, cfg.headDim, slots);
        k.storeKvF16(vCache, vRows, m, pos0, cfg.nKvHeads, cfg.headDim, slots);
      };
    }
    case 'attention': {
      const q = ptr(op.inputs[0]!, chip), kc = ptr(op.inputs[1]!, chip), vc = ptr(op.inputs[2]!, chip);
      const scores = ptr('scores', chip), out = ptr(op.outputs[0]!, chip);
      const { window, scale, softcap } = op.attrs;
      if (window !== undefined || scale !== undefined || softcap !== undefined) {
        const s = scale ?? 1 / Math.sqrt(cfg.headDim);
        const slots = kvSlots(op.inputs[1]!);
        return (m, pos0) => k.attentionWindowed(out, q, kc, vc, scores, m, pos0, cfg.nHeads, cfg.nKvHeads, cfg.headDim, slots, 0, cfg.nHeads, window ?? 0, s, softcap ?? 0);
      }
      return (m, pos0) => k.attention(out, q, kc, vc, scores, m, pos0, cfg.nHeads, cfg.nKvHeads, cfg.headDim, program.bucket);
    }
    case 'siluMul': {
      const D = op.attrs.D!, g = ptr(op.inputs[0]!, chip), u = ptr(op.inputs[1]!, chip), out = ptr(op.outputs[0]!, chip);
      return (m) => k.siluMul(out, g, u, m * D);
    }
    case 'geluMul': {
      const D = op.attrs.D!, g = ptr(op.inputs[0]!, chip), u = ptr(op.inputs[1]!, chip), out = ptr(op.outputs[0]!, chip);
      return (m) => k.geluMul(out, g, u, m * D);
    }
    case 'scale': {
      const D = op.attrs.D!, factor = op.attrs.factor!, x = ptr(op.inputs[0]!, chip), out = ptr(op.outputs[0]!, chip);
      return (m) => k.scale(out, x, m * D, factor);
    }
    case 'softcap': {
      const D = op.attrs.D!, cap = op.attrs.cap!, out = ptr(op.outputs[0]!, chip);
      return (m) => k.softcap(out, rowPtr(op.inputs[0]!, m), rowsOf(m) * D, cap);
    }
    case 'add': {
      const D = op.attrs.D!, a = ptr(op.inputs[0]!, chip), b = ptr(op.inputs[1]!, chip), out = ptr(op.outputs[0]!, chip);
      return (m) => k.add(out, a, b, m * D);
    }
    case 'c2c': {
      if (op.attrs.pattern === 'allgather') return () => {}; // shards already wrote their rows into the lead chip's tensor
      const f32 = new Float32Array(memory.buffer);
      const id = op.inputs[0]!;
      const from = ptr(id, op.attrs.fromChip!) >> 2, to = ptr(id, op.attrs.toChip!) >> 2;
      const rowElems = rowBytes(id) / 4;
      return (m) => f32.copyWithin(to, from, from + m * rowElems);
    }
    case 'argmax':
      return () => {};
  }
}
