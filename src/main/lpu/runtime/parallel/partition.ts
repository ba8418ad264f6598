import { ATTENTION_WINDOW_BLOCK, Q8K_BLOCK_BYTES, QK_K, type KernelSet, type Ptr } from '../../kernels/abi';
import type { WasmKernelSet } from '../../kernels/wasm';
import { tensorBytes, type Op } from '../../ir/graph';
import type { Program } from '../../compiler/passes/emit';

// How one worker's share of each op is cut, so every worker runs the same program in lockstep:
//   rows  — row-local ops (norms, quantize, RoPE, KV stores, elementwise) split by activation rows
//   cols  — matmuls split by output rows of the weight (tensor parallel, nStart/nEnd)
//   heads — attention split by (query head, row) pairs
//   solo  — worker 0 only (embedding lookups); c2c copies are replicated by every worker
// Each output element is computed by the same kernel code whatever the cut, so results are bitwise identical
// for any worker count.

function cutKey(op: Op, index: number, rowsShared: boolean): string {
  switch (op.kind) {
    case 'matmul': return `cols:${op.inputs[0]}`; // matmuls sharing one input may run back to back
    case 'attention': return 'heads';
    case 'embed': return 'solo';
    case 'c2c': return `c2c:${index}`;
    case 'rmsnorm': if (op.attrs.N) return 'headNorm'; break; // per-head rows do not line up with token rows
    default: break;
  }
  return !rowsShared || op.attrs.rowMode === 'last' ? 'solo' : 'rows';
}

/**
 * The static barrier plan: barrier[i] says whether all workers must finish ops < i before op i starts.
 * Needed when the cut changes (op i may read rows or columns another worker wrote), and, within one cut, when
 * op i touches arena bytes that an earlier op since the last barrier used for another tensor (the memory plan
 * reuses dead tensors' bytes) unless both have the same start and row width, so each worker keeps its own rows.
 * With rowsShared false (one-row decode steps) row-local ops all run on worker 0 and need no barrier between them.
 */
export function planBarriers(program: Program, rowsShared: boolean): Uint8Array {
  const decls = new Map(program.tensors.map((t) => [t.id, t]));
  const range = new Map<string, { id: string; start: number; end: number; rowBytes: number }>();
  for (const a of program.memory.allocations) {
    const t = decls.get(a.tensor)!;
    if (t.kind === 'weight') continue; // weights are never written
    const start = program.chipBase[a.chip]! + a.offset;
    range.set(`${a.tensor}@${a.chip}`, { id: a.tensor, start, end: start + a.bytes, rowBytes: tensorBytes(t) / t.shape[0]! });
  }
  type Use = { id: string; start: number; end: number; rowBytes: number; written: boolean };
  const uses = (op: Op, ids: string[], written: boolean): Use[] =>
    ids.flatMap((id) => { const r = range.get(`${id}@${op.chip ?? 0}`); return r ? [{ ...r, written }] : []; });
  const barrier = new Uint8Array(program.ops.length);
  let chain: Use[] = [];
  program.ops.forEach((op, i) => {
    const key = cutKey(op, i, rowsShared);
    const mine = [...uses(op, op.inputs, false), ...uses(op, op.kind === 'attention' ? [...op.outputs, 'scores'] : op.outputs, true)];
    const rowAligned = (a: Use, b: Use) => key === 'rows' && a.start === b.start && a.rowBytes === b.rowBytes;
    const clash = mine.some((a) => chain.some((b) =>
      (a.written || b.written) && a.start < b.end && b.start < a.end && key !== 'solo' && !rowAligned(a, b)));
    if (i > 0 && (key !== cutKey(program.ops[i - 1]!, i - 1, rowsShared) || clash)) {
      barrier[i] = 1;
      chain = [];
    }
    chain.push(...mine);
  });
  return barrier;
}

export interface WorkerPartition {
  kernels: KernelSet;
  /** Before each op (the executor's hook): waits at the barrier where the static plan puts one. */
  beforeOp(): void;
  /** Starts a step of m rows (all workers are in sync at a step's start). */
  beginStep(m: number): void;
  /** Ends a step: every worker's writes are complete once all return. */
  endStep(): void;
}

/**
 * Wraps worker `worker` of `workers`'s kernel set so each call computes only this worker's share.
 * Worker w uses its own attentionBlock-sized slice of the program's attention scratch.
 */
export function partitionWork(
  k: WasmKernelSet, worker: number, workers: number, barrier: () => void, program: Program,
): WorkerPartition {
  const decodePlan = planBarriers(program, false), prefillPlan = planBarriers(program, true);
  const scoresFloats = program.tensors.find((t) => t.id === 'scores')!.shape[0]!;
  let stepRows = 1, opIndex = 0, barriers = decodePlan;
  // ceil: a single row (decode, 'last' ops) goes to worker 0, the worker that runs the solo ops
  const share = (count: number, parts = workers) => [Math.ceil((count * worker) / parts), Math.ceil((count * (worker + 1)) / parts)] as const;
  // matmul output rows in multiples of 4, the decode kernel's tile
  const colShare = (nStart: number, nEnd: number) => {
    const chunk = Math.ceil((nEnd - nStart) / workers / 4) * 4;
    const start = Math.min(nEnd, nStart + worker * chunk);
    return [start, Math.min(nEnd, start + chunk)] as const;
  };
  const attentionWorkers = Math.max(1, Math.min(workers, Math.floor(scoresFloats / k.attentionBlock)));
  // flat elementwise ops over n = rows·D are cut at row boundaries so they line up with the row-wise ops
  const flat = (n: number, run: (offset: number, count: number) => void) => {
    const D = n / stepRows;
    const [r0, r1] = share(stepRows);
    if (r1 > r0) run(r0 * D, (r1 - r0) * D);
  };

  const kernels: KernelSet = {
    name: `${k.name}/${worker + 1}of${workers}`,
    quantizeRowsQ8(xq, xs, x, M, K) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.quantizeRowsQ8(xq + r0 * K, xs + r0 * (K / 32) * 4, x + r0 * K * 4, r1 - r0, K);
    },
    matmulQ8(out, xq, xs, w, ws, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ8(out, xq, xs, w, ws, M, K, N, c0, c1);
    },
    quantizeRowsQ8K(y, x, M, K) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.quantizeRowsQ8K(y + r0 * (K / QK_K) * Q8K_BLOCK_BYTES, x + r0 * K * 4, r1 - r0, K);
    },
    matmulQ4_0(out, xq, xs, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ4_0(out, xq, xs, w, M, K, N, c0, c1);
    },
    matmulQ4K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ4K(out, y, w, M, K, N, c0, c1);
    },
    matmulQ5K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ5K(out, y, w, M, K, N, c0, c1);
    },
    matmulQ6K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ6K(out, y, w, M, K, N, c0, c1);
    },
    matmulBF16(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulBF16(out, x, w, M, K, N, c0, c1);
    },
    matmulF32(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulF32(out, x, w, M, K, N, c0, c1);
    },
    matmulF16(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = colShare(nStart, nEnd);
      if (c1 > c0) k.matmulF16(out, x, w, M, K, N, c0, c1);
    },
    rmsnorm(out, x, weight, M, D, eps) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.rmsnorm(out + r0 * D * 4, x + r0 * D * 4, weight, r1 - r0, D, eps);
    },
    rope(x, table, M, nHeads, headDim, pos0) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.rope(x + r0 * nHeads * headDim * 4, table, r1 - r0, nHeads, headDim, pos0 + r0);
    },
    attention(out, q, kCache, vCache, scores: Ptr, M, pos0, nHeads, nKvHeads, headDim, ctx) {
      if (worker >= attentionWorkers) return;
      const scratch = scores + worker * k.attentionBlock * 4, rowBytes = nHeads * headDim * 4;
      // rows [m0, m1) of heads [h0, h1): each (row, head) comes out the same whichever call computes it
      const run = (h0: number, h1: number, m0: number, m1: number) =>
        k.attentionHeads(out + m0 * rowBytes, q + m0 * rowBytes, kCache, vCache, scratch, m1 - m0, pos0 + m0, nHeads, nKvHeads, headDim, ctx, h0, h1);
      // (head, row) pairs head-major, cut evenly: whole heads would leave one worker a ninth more of 9 heads
      const [u0, u1] = share(nHeads * M, attentionWorkers);
      for (let u = u0; u < u1;) {
        const h = Math.floor(u / M), m0 = u - h * M;
        if (m0 === 0 && u + M <= u1) {
          const hEnd = Math.floor(u1 / M);
          run(h, hEnd, 0, M);
          u = hEnd * M;
        } else {
          const m1 = Math.min(M, m0 + u1 - u);
          run(h, h + 1, m0, m1);
          u += m1 - m0;
        }
      }
    },
    attentionWindowed(out, q, kCache, vCache, scores, M, pos0, nHeads, nKvHeads, headDim, ctx, hStart, hEnd, window, scale, softcap) {
      if (worker >= attentionWorkers) return;
      const scratch = scores + worker * ATTENTION_WINDOW_BLOCK * 4, rowBytes = nHeads * headDim * 4;
      // (head, row) pairs of [hStart, hEnd) cut evenly, as attention's
      const heads = hEnd - hStart;
      const [u0, u1] = share(heads * M, attentionWorkers);
      for (let u = u0; u < u1;) {
        const h = hStart + Math.floor(u / M), m0 = u % M, m1 = Math.min(M, m0 + u1 - u);
        k.attentionWindowed(out + m0 * rowBytes, q + m0 * rowBytes, kCache, vCache, scratch, m1 - m0, pos0 + m0, nHeads, nKvHeads, headDim, ctx, h, h + 1, window, scale, softcap);
        u += m1 - m0;
      }
    },
    storeKvF16(kvCache, x, M, pos0, nKvHeads, headDim, ctx) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.storeKvF16(kvCache, x + r0 * nKvHeads * headDim * 4, r1 - r0, pos0 + r0, nKvHeads, headDim, ctx);
    },
    siluMul(out, gate, up, n) { flat(n, (o, count) => k.siluMul(out + o * 4, gate + o * 4, up + o * 4, count)); },
    geluMul(out, gate, up, n) { flat(n, (o, count) => k.geluMul(out + o * 4, gate + o * 4, up + o * 4, count)); },
    scale(out, x, n, factor) { flat(n, (o, count) => k.scale(out + o * 4, x + o * 4, count, factor)); },
    softcap(out, x, n, cap) { if (worker === 0) k.softcap(out, x, n, cap); }, // the head's one row of logits
    add(out, a, b, n) { flat(n, (o, count) => k.add(out + o * 4, a + o * 4, b + o * 4, count)); },
    addBias(x, bias, M, N) {
      const [r0, r1] = share(M);
      if (r1 > r0) k.addBias(x + r0 * N * 4, bias, r1 - r0, N);
    },
    embedQ8(out, ids, w, ws, M, D) { if (worker === 0) k.embedQ8(out, ids, w, ws, M, D); },
    embedF32(out, ids, table, M, D) { if (worker === 0) k.embedF32(out, ids, table, M, D); },
    embedGgml(out, ids, table, M, D, ggmlType) { if (worker === 0) k.embedGgml(out, ids, table, M, D, ggmlType); },
    argmax: (x, N) => k.argmax(x, N),
  };

  return {
    kernels,
    beginStep(m) { stepRows = m; opIndex = 0; barriers = m > 1 ? prefillPlan : decodePlan; },
    beforeOp() { if (barriers[opIndex++]) barrier(); },
    endStep() { barrier(); },
  };
}
