import {
  UNITS, attentionCycles, c2cCycles, elementwiseCycles, kvStoreCycles, matmulComputeCycles, rmsnormCycles, weightInstallCycles,
  DELTA_CYCLES, SKEW_CYCLES, SRAM_BYTES_PER_CYCLE, type Unit,
} from '../cost-model';
import { DTYPE_BYTES, type Graph, type Op } from '../../ir/graph';

/** One instruction on one functional unit of one chip, with its static start cycle. */
export interface Instruction {
  op: number;
  unit: Unit;
  chip: number;
  start: number;
  cycles: number;
}

export interface Schedule {
  /** Rows the schedule was built for (1 = a decode step, graph.rows = a prefill chunk). */
  rows: number;
  instructions: Instruction[];
  totalCycles: number;
  /** Busy cycles / total per unit, summed over chips and divided by chips in use. */
  utilisation: Record<Unit, number>;
}

/** The unit work of one op at M rows, before placement in time. MEM work of a matmul is its weight install. */
function opWork(g: Graph, op: Op, M: number, tp: number): { unit: Unit; cycles: number; chip: number }[] {
  const cfg = g.config;
  const rows = op.attrs.rowMode === 'last' ? 1 : M;
  const chip = op.chip ?? 0;
  switch (op.kind) {
    case 'embed':
      return [{ unit: 'MEM', chip, cycles: Math.ceil((rows * cfg.dim * 4) / SRAM_BYTES_PER_CYCLE) + SKEW_CYCLES + DELTA_CYCLES }];
    case 'rmsnorm':
      return [{ unit: 'VXM', chip, cycles: rmsnormCycles(rows * (op.attrs.N ?? 1), op.attrs.D!) }];
    case 'scale':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(rows * op.attrs.D!, 1) }];
    case 'softcap': case 'geluMul':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(rows * op.attrs.D!, 4) }];
    case 'quantize':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(rows * op.attrs.K!, 3) }];
    case 'addBias': case 'add':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(rows * (op.attrs.N ?? op.attrs.D!), 1) }];
    case 'siluMul':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(rows * op.attrs.D!, 4) }];
    case 'rope':
      return [{ unit: 'SXM', chip, cycles: elementwiseCycles(rows * op.attrs.N! * cfg.headDim, 2) }];
    case 'storeKv':
      return [{ unit: 'VXM', chip, cycles: kvStoreCycles(rows, op.attrs.N!) }];
    case 'attention': {
      // Heads split across the node's chips, like the KV projections that feed them.
      const heads = Math.ceil(cfg.nHeads / tp);
      // the positions its cache holds: the bucket, or a sliding-window layer's ring
      const slots = g.tensors.get(op.inputs[1]!)!.shape[1]!;
      return [{ unit: 'VXM', chip, cycles: attentionCycles(rows, slots, heads, cfg.headDim, 1) }];
    }
    case 'matmul': {
      const w = g.tensors.get(op.inputs[op.inputs.length === 2 ? 1 : 2]!)!; // [x, w], [y, w], [xq, xs, w(, ws)]
      const K = op.attrs.K!;
      const work: { unit: Unit; cycles: number; chip: number }[] = [];
      for (const s of op.shards ?? [{ chip, nStart: 0, nEnd: op.attrs.N! }]) {
        const n = s.nEnd - s.nStart;
        work.push({ unit: 'MEM', chip: s.chip, cycles: weightInstallCycles(n * K * DTYPE_BYTES[w.dtype]) });
        const integer = w.dtype !== 'f32' && w.dtype !== 'f16' && w.dtype !== 'bf16'; // int8 and ggml blocks multiply int8
        work.push({ unit: 'MXM', chip: s.chip, cycles: matmulComputeCycles(rows, K, n, integer) });
      }
      return work;
    }
    case 'c2c': {
      const bytes = rows * op.attrs.bytesPerRow!;
      return [{ unit: 'C2C', chip: op.attrs.pattern === 'send' ? op.attrs.toChip! : chip, cycles: c2cCycles(bytes, op.attrs.pattern!, tp) }];
    }
    case 'argmax':
      return [{ unit: 'VXM', chip, cycles: elementwiseCycles(cfg.vocabSize, 2) }];
  }
}

/**
 * schedule: list scheduling in program order. An op starts when its inputs are ready and its unit is free;
 * a matmul's weight install (MEM) may run ahead of its inputs by one matmul (double-buffered weight tiles),
 * which is how installs overlap the VXM work between matmuls.
 */
export function schedule(g: Graph, M: number, tp: number): Schedule {
  const chips = Math.max(1, ...g.ops.flatMap((op) => [op.chip ?? 0, ...(op.shards ?? []).map((s) => s.chip)]).map((c) => c + 1));
  const unitFree = Array.from({ length: chips }, () => Object.fromEntries(UNITS.map((u) => [u, 0])) as Record<Unit, number>);
  const busy = Object.fromEntries(UNITS.map((u) => [u, 0])) as Record<Unit, number>;
  const ready = new Map<string, number>();
  const instructions: Instruction[] = [];
  const lastMxmStart = new Array<number>(chips).fill(0);
  let end = 0;
  for (const op of g.ops) {
    const depsReady = Math.max(0, ...op.inputs.map((id) => ready.get(id) ?? 0), ...op.outputs.map((id) => ready.get(id) ?? 0));
    const work = opWork(g, op, M, tp);
    let opEnd = depsReady;
    const installDone = new Map<number, number>();
    for (const w of work) {
      const free = unitFree[w.chip]![w.unit];
      let start: number;
      if (w.unit === 'MEM' && op.kind === 'matmul') start = Math.max(free, lastMxmStart[w.chip]!);
      else if (w.unit === 'MXM') start = Math.max(free, depsReady, installDone.get(w.chip) ?? 0);
      else start = Math.max(free, depsReady);
      const finish = start + w.cycles;
      if (w.unit === 'MEM' && op.kind === 'matmul') installDone.set(w.chip, finish);
      if (w.unit === 'MXM') lastMxmStart[w.chip] = Math.max(lastMxmStart[w.chip]!, start);
      unitFree[w.chip]![w.unit] = finish;
      busy[w.unit] += w.cycles;
      instructions.push({ op: op.id, unit: w.unit, chip: w.chip, start, cycles: w.cycles });
      opEnd = Math.max(opEnd, finish);
    }
    for (const id of op.outputs) ready.set(id, opEnd);
    end = Math.max(end, opEnd);
  }
  const utilisation = Object.fromEntries(UNITS.map((u) => [u, end ? busy[u] / (end * chips) : 0])) as Record<Unit, number>;
  return { rows: M, instructions, totalCycles: end, utilisation };
}

/** Text form: one instruction per line, in start order. */
export function dumpSchedule(s: Schedule, g: Graph, limit = 200): string {
  const lines = [`schedule rows=${s.rows} total=${s.totalCycles} cycles`];
  const sorted = [...s.instructions].sort((a, b) => a.start - b.start || a.op - b.op);
  for (const ins of sorted.slice(0, limit)) {
    lines.push(`  ${String(ins.start).padStart(9)} +${String(ins.cycles).padStart(7)}  chip${ins.chip} ${ins.unit}  op${ins.op} ${g.ops[ins.op]!.kind}`);
  }
  if (sorted.length > limit) lines.push(`  … ${sorted.length - limit} more`);
  return lines.join('\n') + '\n';
}

/** Verifier: no functional unit of a chip runs two instructions at once. */
export function verifySchedule(s: Schedule): void {
  const byUnit = new Map<string, Instruction[]>();
  for (const ins of s.instructions) {
    const key = `${ins.chip}/${ins.unit}`;
    const list = byUnit.get(key);
    if (list) list.push(ins);
    else byUnit.set(key, [ins]);
  }
  for (const [key, list] of byUnit) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.start < list[i - 1]!.start + list[i - 1]!.cycles) {
        throw new Error(`schedule: ${key} runs op ${list[i - 1]!.op} and op ${list[i]!.op} at once`);
      }
    }
  }
}
