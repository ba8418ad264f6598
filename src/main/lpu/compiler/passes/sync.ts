import type { Graph, Op } from '../../ir/graph';
import type { Allocation, MemoryPlan } from './plan-memory';

/**
 * How the host's worker threads share one op (runtime/parallel/partition.ts applies it):
 *   zero     — worker 0 computes the whole op
 *   every    — every worker computes the whole op into the same bytes (identical values; never in place)
 *   rows     — activation rows (prefill)
 *   headRows — (row, head) pairs of a per-head norm (prefill)
 *   heads    — attention's (head, row) pairs; a one-row quantize that follows takes the same heads' columns
 *   cols     — output columns: the op's whole span (its chips' shard ranges side by side) cut between workers in
 *              multiples of `align` (runtime/parallel/partition.ts workerColumns), the same way for a matmul and for
 *              the row-local ops fused onto its cut (bias, per-head norm, RoPE, KV store, gating, residual add,
 *              quantize), so those need no barrier after the matmul
 */
export type Cut =
  | { kind: 'zero' | 'every' | 'rows' | 'headRows' | 'heads' }
  | { kind: 'cols'; align: number; ranges: [number, number][] };

/** One step kind's plan: each op's cut, and the ops that all workers must reach together before starting. */
export interface SyncPlan {
  cuts: Cut[];
  /** Op indices preceded by a barrier (every earlier op finished on every worker). */
  barriers: number[];
}

/** decode: one-row steps; prefill: steps of more than one row (a chunk). */
export interface SyncPlans {
  decode: SyncPlan;
  prefill: SyncPlan;
}

type Mode = 'own' | 'zero' | 'every';
interface Access { op: number; mode: Mode; key: string; write: boolean }

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a / gcd(a, b)) * b;
/** Matmul output columns go to workers in multiples of 4, the decode kernel's tile. */
const MATMUL_TILE = 4;

function cutKey(cut: Cut): string {
  return cut.kind === 'cols' ? `cols:${cut.align}:${cut.ranges.map((r) => r.join('-')).join(',')}` : cut.kind;
}

/** Whether accesses p (earlier) and n (later, another op) to one tensor may race between two workers. */
function conflicts(p: Access, n: Access): boolean {
  if (!p.write && !n.write) return false;
  if (p.mode === 'every' && p.write) return n.write; // a lagging worker's identical copy is harmless to readers only
  if (p.mode === 'every' || n.mode === 'every') return true;
  if (p.mode === 'zero' && n.mode === 'zero') return false;
  return p.mode !== n.mode || p.key !== n.key;
}

/**
 * sync: the static synchronisation plan of the parallel runtime, for one-row (decode) and multi-row (prefill)
 * steps. Walking the ops in order, each op gets the cut that lets it continue its inputs' producers' cut where
 * that is exact (so no barrier is needed), and a barrier goes where an op would read or overwrite elements another
 * worker wrote or read since the last one. Memory reuse is not a reason: planMemory keeps the tensors of one
 * barrier-free segment apart, and verifySync checks that on the final addresses.
 */
export function planSync(g: Graph): SyncPlans {
  return { decode: planFor(g, 'decode'), prefill: planFor(g, 'prefill') };
}

function planFor(g: Graph, step: 'decode' | 'prefill'): SyncPlan {
  const tracked = (id: string) => { const t = g.tensors.get(id); return !!t && t.kind !== 'weight' && t.kind !== 'const'; };
  const align = matmulAlignments(g);
  const cuts: Cut[] = [];
  const barriers: number[] = [];
  let segment = new Map<string, Access[]>();
  const lastWrite = (ref: string) => segment.get(ref)?.findLast((a) => a.write);

  g.ops.forEach((op, i) => {
    const choose = () => cutFor(g, op, step, align.get(i), lastWrite);
    const accessesOf = (cut: Cut) => accesses(g, op, i, cut).filter(([ref]) => tracked(ref.split('@')[0]!));
    let cut = choose();
    let mine = accessesOf(cut);
    const clash = mine.some(([ref, a]) => (segment.get(ref) ?? []).some((p) => p.op !== i && conflicts(p, a)));
    if (clash) {
      barriers.push(i);
      segment = new Map();
      cut = choose(); // with the segment empty, no producer's cut is left to continue
      mine = accessesOf(cut);
    }
    cuts.push(cut);
    for (const [ref, a] of mine) segment.set(ref, [...(segment.get(ref) ?? []), a]);
  });
  return { cuts, barriers };
}

/** The tensors an op touches under a cut, as `id@chip` with how the workers share them. */
function accesses(g: Graph, op: Op, index: number, cut: Cut): [string, Access][] {
  const chip = op.chip ?? 0;
  const at = (id: string, c = chip) => `${id}@${c}`;
  const mode: Mode = cut.kind === 'zero' ? 'zero' : cut.kind === 'every' ? 'every' : 'own';
  const key = cutKey(cut);
  const own = (write: boolean): Access => ({ op: index, mode, key, write });
  const every = (write: boolean): Access => ({ op: index, mode: 'every', key: 'every', write });
  switch (op.kind) {
    case 'argmax':
      return [];
    case 'c2c':
      // an all-gather is a no-op (shards wrote the lead chip's tensor); a send is copied whole by every worker
      if (op.attrs.pattern === 'allgather') return [];
      return [[at(op.inputs[0]!, op.attrs.fromChip), every(false)], [at(op.outputs[0]!, op.attrs.toChip), every(true)]];
    case 'matmul':
      // every worker reads the whole activation and writes its own output columns
      return [...op.inputs.map((id): [string, Access] => [at(id), mode === 'zero' ? own(false) : every(false)]), [at(op.outputs[0]!), own(true)]];
    case 'attention':
      // a worker's heads read their KV heads over all positions: the whole cache, conservatively
      return [...op.inputs.filter((id) => id !== 'scores').map((id): [string, Access] => [at(id), every(false)]), [at(op.outputs[0]!), own(true)]];
    case 'embed':
      return [[at('ids'), own(false)], [at(op.outputs[0]!), own(true)]];
    default: {
      // row-local and elementwise ops read and write the same share of each tensor
      const storeKvCut = op.kind === 'storeKv' && cut.kind === 'cols';
      return [
        ...op.inputs.map((id): [string, Access] => [at(id), own(false)]),
        ...op.outputs.map((id): [string, Access] => [at(id), storeKvCut ? { ...own(true), key: `kv:${key}` } : own(true)]),
      ];
    }
  }
}

/** The activation group a quantize writes: Q8_0 scales per 32, Q8_K blocks of 256. */
const quantGroup = (op: Op) => (op.outputs.length === 2 ? 32 : 256);

/**
 * An op's cut. In one-row steps, row-local ops continue the cut of the matmul or attention that wrote their input
 * when it falls on their own boundaries (heads for RoPE and the KV store, groups for quantize), so no barrier
 * separates them; a norm that reads the whole row is computed by every worker (cheaper than a barrier) and the rest
 * runs on worker 0. In multi-row steps they split rows.
 */
function cutFor(g: Graph, op: Op, step: 'decode' | 'prefill', align: number | undefined, lastWrite: (ref: string) => Access | undefined): Cut {
  const decode = step === 'decode';
  const chip = op.chip ?? 0;
  const colsOf = (id: string, unit: number): Cut | undefined => {
    // Multi-row steps do not fuse: a column cut of M rows is M kernel calls (the ABI has no row stride), which
    // measured dearer than the barrier it saves (~0.5 µs per call, 8 fused ops × 32 rows per layer).
    if (!decode) return undefined;
    const p = lastWrite(`${id}@${chip}`);
    if (!p || p.mode !== 'own' || !p.key.startsWith('cols:')) return undefined;
    const [, a, text] = p.key.split(':');
    if (Number(a) % unit !== 0) return undefined;
    const ranges = text!.split(',').map((r) => r.split('-').map(Number) as [number, number]);
    // workers cut the whole span at multiples of the alignment, so chip shards off the unit do not matter; its ends do
    if (ranges[0]![0] % unit !== 0 || ranges[ranges.length - 1]![1] % unit !== 0) return undefined;
    return { kind: 'cols', align: Number(a), ranges };
  };
  const same = (x: Cut | undefined, y: Cut | undefined) => (x && y && cutKey(x) === cutKey(y) ? x : undefined);
  const inPlace = op.outputs.some((id) => op.inputs.includes(id));
  // every worker may recompute an op if it neither works in place nor reads what worker 0 alone wrote since the barrier
  const soloInput = op.inputs.some((id) => lastWrite(`${id}@${chip}`)?.mode === 'zero');
  const rest: Cut = decode ? { kind: inPlace || soloInput ? 'zero' : 'every' } : { kind: op.attrs.rowMode === 'last' ? 'zero' : 'rows' };
  const { headDim } = g.config;
  switch (op.kind) {
    case 'embed': case 'softcap': return { kind: 'zero' };
    case 'scale': return decode ? { kind: 'zero' } : rest; // in place on whole rows
    case 'c2c': case 'argmax': return { kind: 'every' };
    case 'matmul': return { kind: 'cols', align: align ?? MATMUL_TILE, ranges: shardRanges(op) };
    case 'attention': return { kind: 'heads' };
    case 'quantize': {
      const group = quantGroup(op);
      const p = lastWrite(`${op.inputs[0]}@${chip}`);
      if (decode && p?.mode === 'own' && p.key === 'heads' && headDim % group === 0) return { kind: 'heads' };
      return colsOf(op.inputs[0]!, group) ?? rest;
    }
    case 'rmsnorm':
      if (!op.attrs.N) return rest;
      return colsOf(op.inputs[0]!, op.attrs.D!) ?? (decode ? { kind: 'zero' } : { kind: 'headRows' });
    case 'rope': return colsOf(op.inputs[0]!, headDim) ?? rest;
    case 'addBias': return colsOf(op.inputs[0]!, 1) ?? rest;
    case 'storeKv': return same(colsOf(op.inputs[0]!, headDim), colsOf(op.inputs[1]!, headDim)) ?? rest;
    case 'siluMul': case 'geluMul': return same(colsOf(op.inputs[0]!, 1), colsOf(op.inputs[1]!, 1)) ?? rest;
    case 'add': return colsOf(op.inputs[1]!, 1) ?? rest;
  }
}

function shardRanges(op: Op): [number, number][] {
  const ranges = (op.shards ?? [{ nStart: 0, nEnd: op.attrs.N! }]).map((s): [number, number] => [s.nStart, s.nEnd]);
  // workers share the span [first start, last end) as one run of columns
  if (ranges.some(([start], i) => i > 0 && start !== ranges[i - 1]![1])) throw new Error(`sync: matmul ${op.id}'s shards are not side by side`);
  return ranges;
}

/**
 * Column alignment of each matmul: a multiple of the boundaries its consumers need to continue its cut
 * (whole heads for RoPE, per-head norms and the KV store; whole quantisation groups after gating).
 */
function matmulAlignments(g: Graph): Map<number, number> {
  const out = new Map<number, number>();
  g.ops.forEach((op, i) => {
    if (op.kind !== 'matmul') return;
    const produced = op.outputs[0]!;
    let unit = MATMUL_TILE;
    for (const c of g.ops.slice(i + 1)) {
      if (c.kind === 'c2c' && c.attrs.pattern === 'allgather') continue; // a no-op: the shards wrote the lead chip's tensor
      if (!c.inputs.includes(produced)) {
        if (c.outputs.includes(produced)) break;
        continue;
      }
      if (c.kind === 'rope' || c.kind === 'storeKv') unit = lcm(unit, g.config.headDim);
      if (c.kind === 'rmsnorm' && c.attrs.N) unit = lcm(unit, c.attrs.D!);
      if (c.kind === 'siluMul' || c.kind === 'geluMul') {
        const q = g.ops.find((x) => x.kind === 'quantize' && x.inputs[0] === c.outputs[0] && x.id > c.id);
        if (q) unit = lcm(unit, quantGroup(q));
      }
      if (c.outputs.includes(produced) && !['addBias', 'rmsnorm', 'rope', 'siluMul', 'geluMul'].includes(c.kind)) break;
    }
    out.set(i, unit);
  });
  return out;
}

/** Barriers per step for each plan, and per layer (the median over layers: the first also holds the embedding's). */
export function syncStats(g: Pick<Graph, 'ops'>, plans: SyncPlans) {
  const perLayer = (p: SyncPlan) => {
    const counts = new Map<number, number>();
    for (const i of p.barriers) { const l = g.ops[i]!.layer; if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1); }
    const sorted = [...counts.values()].sort((x, y) => x - y);
    return sorted.length ? sorted[sorted.length >> 1]! : 0;
  };
  return {
    decodeStep: plans.decode.barriers.length, decodePerLayer: perLayer(plans.decode),
    prefillChunk: plans.prefill.barriers.length, prefillPerLayer: perLayer(plans.prefill),
  };
}

/** Text form: one line per op with its decode and prefill cut, `|` where a barrier precedes it. */
export function dumpSync(g: Pick<Graph, 'ops'>, plans: SyncPlans): string {
  const d = new Set(plans.decode.barriers), p = new Set(plans.prefill.barriers);
  const s = syncStats(g, plans);
  const lines = [`sync: ${s.decodeStep} barriers per decode step (${s.decodePerLayer} per layer), ${s.prefillChunk} per prefill chunk (${s.prefillPerLayer} per layer)`];
  g.ops.forEach((op, i) => {
    const cell = (set: Set<number>, cut: Cut) => `${set.has(i) ? '|' : ' '} ${cutKey(cut)}`.padEnd(26);
    lines.push(`  ${String(i).padStart(4)} ${op.kind.padEnd(9)} ${cell(d, plans.decode.cuts[i]!)} ${cell(p, plans.prefill.cuts[i]!)}`.trimEnd());
  });
  return lines.join('\n') + '\n';
}

/**
 * Verifier on the final addresses: inside one barrier-free segment of either plan, no two activations that the
 * segment's ops touch share bytes (a worker running ahead would overwrite what another still reads).
 */
export function verifySync(g: Pick<Graph, 'ops'>, memory: Pick<MemoryPlan, 'allocations'>, plans: SyncPlans): void {
  const where = new Map(memory.allocations.filter((a) => a.live).map((a) => [`${a.tensor}@${a.chip}`, a]));
  for (const [name, plan] of Object.entries(plans)) {
    const starts = new Set(plan.barriers);
    let seen: Allocation[] = [];
    g.ops.forEach((op, i) => {
      if (starts.has(i)) seen = [];
      const chip = op.chip ?? 0;
      const refs = op.kind === 'c2c' ? [`${op.inputs[0]}@${op.attrs.fromChip}`, `${op.outputs[0]}@${op.attrs.toChip}`] : [...op.inputs, ...op.outputs].map((id) => `${id}@${chip}`);
      for (const a of refs.map((r) => where.get(r)).filter((x): x is Allocation => !!x)) {
        const other = seen.find((b) => b.chip === a.chip && b.tensor !== a.tensor && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes);
        if (other) throw new Error(`sync: ${name} op ${i} (${op.kind}) touches ${a.tensor}, which shares bytes with ${other.tensor} in the same barrier-free segment`);
        if (!seen.includes(a)) seen.push(a);
      }
    });
  }
}
