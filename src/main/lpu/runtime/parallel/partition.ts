import { ATTENTION_WINDOW_BLOCK, Q8K_BLOCK_BYTES, QK_K, type KernelSet, type Ptr } from '../../kernels/abi';
import type { WasmKernelSet } from '../../kernels/wasm';
import type { Program } from '../../compiler/passes/emit';
import type { Cut } from '../../compiler/passes/sync';

// How one worker's share of each op is cut is decided by the compiler (compiler/passes/sync.ts: a Cut per op and
// a barrier list, for one-row and for multi-row steps); this file applies it to each kernel call. Each output
// element is computed by the same kernel code whatever the cut, so results are bitwise identical for any worker
// count.

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
  const flags = (list: number[]) => { const f = new Uint8Array(program.ops.length); for (const i of list) f[i] = 1; return f; };
  const plans = {
    decode: { cuts: program.sync.decode.cuts, barriers: flags(program.sync.decode.barriers) },
    prefill: { cuts: program.sync.prefill.cuts, barriers: flags(program.sync.prefill.barriers) },
  };
  const { nHeads, headDim } = program.config;
  const scoresFloats = program.tensors.find((t) => t.id === 'scores')!.shape[0]!;
  let stepRows = 1, opIndex = 0, plan = plans.decode;
  const cut = (): Cut => plan.cuts[opIndex - 1]!;
  // ceil: a single row (decode, 'last' ops) goes to worker 0
  const share = (count: number, parts = workers) => [Math.ceil((count * worker) / parts), Math.ceil((count * (worker + 1)) / parts)] as const;
  const attentionWorkers = Math.max(1, Math.min(workers, Math.floor(scoresFloats / k.attentionBlock)));
  // This worker's output columns of each 'cols' op, per plan: one contiguous share of the op's whole span
  const colsOf = (cuts: Cut[]) => cuts.map((c) => (c.kind === 'cols' ? workerColumns(c, worker, workers) : NO_COLUMNS));
  const columns = { decode: colsOf(program.sync.decode.cuts), prefill: colsOf(program.sync.prefill.cuts) };
  let stepColumns = columns.decode;
  // a matmul's kernel call covers one chip's shard [nStart, nEnd): this worker computes its columns inside it
  const matmulShare = (nStart: number, nEnd: number) => {
    const [c0, c1] = stepColumns[opIndex - 1]!;
    return [Math.max(nStart, c0), Math.min(nEnd, c1)] as const;
  };
  /**
   * Runs a row-local op on this worker's share: `whole` for the full op, `rows(r0, r1)` for a row range,
   * `part(c0, c1, r)` for columns [c0, c1) of row r (ops fused onto a matmul's or attention's cut).
   */
  const run = (whole: () => void, rows: (r0: number, r1: number) => void, part: (c0: number, c1: number, r: number) => void) => {
    const c = cut();
    switch (c.kind) {
      case 'every': whole(); return;
      case 'zero': if (worker === 0) whole(); return;
      case 'cols': {
        // the activation is one tensor on the lead chip, so the share is one call per row whatever chips computed it
        const [c0, c1] = stepColumns[opIndex - 1]!;
        for (let r = 0; r < stepRows && c1 > c0; r++) part(c0, c1, r);
        return;
      }
      case 'heads': {
        if (worker >= attentionWorkers) return;
        const [h0, h1] = share(nHeads, attentionWorkers); // a one-row step: attention's (head, row) pairs are heads
        if (h1 > h0) part(h0 * headDim, h1 * headDim, 0);
        return;
      }
      default: { const [r0, r1] = share(stepRows); if (r1 > r0) rows(r0, r1); }
    }
  };
  // flat elementwise ops over n = rows·D: cut at row boundaries so they line up with the row-wise ops
  const flat = (n: number, go: (offset: number, count: number) => void) => {
    const D = n / stepRows;
    run(() => go(0, n), (r0, r1) => go(r0 * D, (r1 - r0) * D), (c0, c1, r) => go(r * D + c0, c1 - c0));
  };

  const unsplit = () => { throw new Error(`the compiler cut op ${opIndex - 1} (an embedding) between workers`); };

  const kernels: KernelSet = {
    name: `${k.name}/${worker + 1}of${workers}`,
    quantizeRowsQ8(xq, xs, x, M, K) {
      run(() => k.quantizeRowsQ8(xq, xs, x, M, K),
        (r0, r1) => k.quantizeRowsQ8(xq + r0 * K, xs + r0 * (K / 32) * 4, x + r0 * K * 4, r1 - r0, K),
        (c0, c1, r) => k.quantizeRowsQ8(xq + r * K + c0, xs + ((r * K + c0) / 32) * 4, x + (r * K + c0) * 4, 1, c1 - c0));
    },
    matmulQ8(out, xq, xs, w, ws, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ8(out, xq, xs, w, ws, M, K, N, c0, c1);
    },
    quantizeRowsQ8K(y, x, M, K) {
      run(() => k.quantizeRowsQ8K(y, x, M, K),
        (r0, r1) => k.quantizeRowsQ8K(y + r0 * (K / QK_K) * Q8K_BLOCK_BYTES, x + r0 * K * 4, r1 - r0, K),
        (c0, c1, r) => k.quantizeRowsQ8K(y + ((r * K + c0) / QK_K) * Q8K_BLOCK_BYTES, x + (r * K + c0) * 4, 1, c1 - c0));
    },
    matmulQ4_0(out, xq, xs, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ4_0(out, xq, xs, w, M, K, N, c0, c1);
    },
    matmulQ4K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ4K(out, y, w, M, K, N, c0, c1);
    },
    matmulQ5K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ5K(out, y, w, M, K, N, c0, c1);
    },
    matmulQ6K(out, y, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulQ6K(out, y, w, M, K, N, c0, c1);
    },
    matmulBF16(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulBF16(out, x, w, M, K, N, c0, c1);
    },
    matmulF32(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulF32(out, x, w, M, K, N, c0, c1);
    },
    matmulF16(out, x, w, M, K, N, nStart, nEnd) {
      const [c0, c1] = matmulShare(nStart, nEnd);
      if (c1 > c0) k.matmulF16(out, x, w, M, K, N, c0, c1);
    },
    rmsnorm(out, x, weight, M, D, eps) {
      // headRows: M counts (row, head) pairs; cols: a one-row step's heads [c0/D, c1/D)
      const pairs = cut().kind === 'headRows';
      if (pairs) { const [r0, r1] = share(M); if (r1 > r0) k.rmsnorm(out + r0 * D * 4, x + r0 * D * 4, weight, r1 - r0, D, eps); return; }
      run(() => k.rmsnorm(out, x, weight, M, D, eps),
        (r0, r1) => k.rmsnorm(out + r0 * D * 4, x + r0 * D * 4, weight, r1 - r0, D, eps),
        (c0, c1, r) => { const o = (r * (M / stepRows) * D + c0) * 4; k.rmsnorm(out + o, x + o, weight, (c1 - c0) / D, D, eps); });
    },
    rope(x, table, M, nHeads, headDim, pos0) {
      run(() => k.rope(x, table, M, nHeads, headDim, pos0),
        (r0, r1) => k.rope(x + r0 * nHeads * headDim * 4, table, r1 - r0, nHeads, headDim, pos0 + r0),
        (c0, c1, r) => k.rope(x + (r * nHeads * headDim + c0) * 4, table, 1, (c1 - c0) / headDim, headDim, pos0 + r));
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
      run(() => k.storeKvF16(kvCache, x, M, pos0, nKvHeads, headDim, ctx),
        (r0, r1) => k.storeKvF16(kvCache, x + r0 * nKvHeads * headDim * 4, r1 - r0, pos0 + r0, nKvHeads, headDim, ctx),
        (c0, c1, r) => k.storeKvF16(kvCache + (c0 / headDim) * ctx * headDim * 2, x + (r * nKvHeads * headDim + c0) * 4, 1, pos0 + r, (c1 - c0) / headDim, headDim, ctx));
    },
    siluMul(out, gate, up, n) { flat(n, (o, count) => k.siluMul(out + o * 4, gate + o * 4, up + o * 4, count)); },
    geluMul(out, gate, up, n) { flat(n, (o, count) => k.geluMul(out + o * 4, gate + o * 4, up + o * 4, count)); },
    scale(out, x, n, factor) { flat(n, (o, count) => k.scale(out + o * 4, x + o * 4, count, factor)); },
    softcap(out, x, n, cap) { flat(n, (o, count) => k.softcap(out + o * 4, x + o * 4, count, cap)); },
    add(out, a, b, n) { flat(n, (o, count) => k.add(out + o * 4, a + o * 4, b + o * 4, count)); },
    addBias(x, bias, M, N) {
      run(() => k.addBias(x, bias, M, N),
        (r0, r1) => k.addBias(x + r0 * N * 4, bias, r1 - r0, N),
        (c0, c1, r) => k.addBias(x + (r * N + c0) * 4, bias + c0 * 4, 1, c1 - c0));
    },
    embedQ8(out, ids, w, ws, M, D) { run(() => k.embedQ8(out, ids, w, ws, M, D), unsplit, unsplit); },
    embedF32(out, ids, table, M, D) { run(() => k.embedF32(out, ids, table, M, D), unsplit, unsplit); },
    embedGgml(out, ids, table, M, D, ggmlType) { run(() => k.embedGgml(out, ids, table, M, D, ggmlType), unsplit, unsplit); },
    argmax: (x, N) => k.argmax(x, N),
  };

  return {
    kernels,
    beginStep(m) {
      stepRows = m; opIndex = 0;
      [plan, stepColumns] = m > 1 ? [plans.prefill, columns.prefill] : [plans.decode, columns.decode];
    },
    beforeOp() { if (plan.barriers[opIndex++]) barrier(); },
    endStep() { barrier(); },
  };
}

const NO_COLUMNS = [0, 0] as const;

/**
 * Worker `worker`'s columns of a 'cols' cut: the op's whole span (its chips' shards side by side) cut into `workers`
 * contiguous parts in multiples of `align`, balanced to one unit. Cutting the span rather than each chip's shard keeps
 * the shares even when shards are not whole units (Qwen2.5-1.5B's 8,960 FFN rows over 8 chips: 1,120 each) and
 * gives each worker a few whole shards, so fewer kernel calls.
 */
export function workerColumns(cut: Extract<Cut, { kind: 'cols' }>, worker: number, workers: number): readonly [number, number] {
  const lo = cut.ranges[0]![0], hi = cut.ranges[cut.ranges.length - 1]![1];
  const units = Math.ceil((hi - lo) / cut.align);
  const at = (w: number) => Math.min(hi, lo + Math.ceil((units * w) / workers) * cut.align);
  return [at(worker), at(worker + 1)];
}
