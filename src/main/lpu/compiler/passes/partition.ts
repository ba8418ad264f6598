import { AppError } from '../../../../shared/errors';
import { CHIPS_PER_NODE } from '../cost-model';
import { cloneGraph, tensorBytes, type Graph, type Op } from '../../ir/graph';

export interface Partitioning {
  chips: number;
  /** Tensor-parallel width inside a node. */
  tp: number;
  /** Pipeline stages (nodes), each running a contiguous range of layers. */
  stages: number;
}

export function partitioning(chips: number): Partitioning {
  if (!Number.isInteger(chips) || chips < 1) throw new AppError('invalid_option', `The chip count must be a positive whole number, not ${chips}.`);
  if (chips > CHIPS_PER_NODE && chips % CHIPS_PER_NODE !== 0) {
    throw new AppError('invalid_option', `${chips} chips do not fill whole nodes of ${CHIPS_PER_NODE}; use up to 8 chips or a multiple of 8.`);
  }
  const tp = Math.min(chips, CHIPS_PER_NODE);
  return { chips, tp, stages: chips / tp };
}

/** A block starts at a norm of the residual stream, or at the FFN's down projection (moving x and the gate). */
function isCutPoint(op: Op): boolean {
  if (op.kind === 'rmsnorm' && op.inputs[0] === 'x') return true;
  return (op.kind === 'quantize' || op.kind === 'matmul') && op.inputs[0]!.startsWith('gate.') && !op.inputs[0]!.endsWith('.q');
}

/**
 * Pipeline cut points: blocks are the embedding, attention, FFN gate/up, FFN down and the head; a stage
 * boundary moves only the activations live across it (x, or x and the gate). Blocks go to stages by the
 * linear partition that minimises the largest stage's weight bytes, which balances SRAM across nodes.
 */
function stageOfOps(g: Graph, stages: number): number[] {
  const blockOf: number[] = [];
  const blockBytes: number[] = [];
  g.ops.forEach((op, i) => {
    if (i === 0 || isCutPoint(op)) blockBytes.push(0);
    const block = blockBytes.length - 1;
    blockOf.push(block);
    for (const id of op.inputs) {
      const t = g.tensors.get(id)!;
      if (t.kind === 'weight') blockBytes[block]! += tensorBytes(t) + (t.scales ? tensorBytes(g.tensors.get(t.scales)!) : 0);
    }
  });
  if (stages > blockBytes.length) {
    throw new AppError('invalid_option', `${stages} pipeline stages exceed the model's ${blockBytes.length} blocks; use fewer chips.`);
  }
  const blockStage = packStages(blockBytes, stages)!;
  return blockOf.map((b) => blockStage[b]!);
}

/**
 * Linear partition of contiguous blocks into `stages` minimising the largest stage: binary search on the cap,
 * greedy contiguous packing. Undefined when there are more stages than blocks.
 */
export function packStages(bytes: number[], stages: number): number[] | undefined {
  if (stages > bytes.length) return undefined;
  const pack = (cap: number): number[] | undefined => {
    const out: number[] = [];
    let stage = 0, used = 0;
    for (let b = 0; b < bytes.length; b++) {
      const mustAdvance = used > 0 && (used + bytes[b]! > cap || bytes.length - b <= stages - stage - 1);
      if (mustAdvance) { stage++; used = 0; }
      if (stage >= stages || bytes[b]! > cap) return undefined;
      out.push(stage);
      used += bytes[b]!;
    }
    return out;
  };
  let lo = Math.max(...bytes), hi = bytes.reduce((a, b) => a + b, 0);
  while (hi - lo > 1024) {
    const mid = Math.floor((lo + hi) / 2);
    if (pack(mid)) hi = mid; else lo = mid;
  }
  return pack(hi);
}

/**
 * partition: pipeline stages over nodes (contiguous blocks balanced by weight bytes) and tensor parallelism
 * inside a node (matmul output rows, and embedding rows, split across its chips, then an explicit all-gather).
 * The residual stream moves between stages by explicit C2C sends.
 */
export function partition(input: Graph, chips: number): Graph {
  const g = cloneGraph(input);
  const { tp, stages } = partitioning(chips);
  const stageOf = stageOfOps(g, stages);
  const ops: Op[] = [];
  let stage = 0;
  g.ops.forEach((op, index) => {
    const s = stageOf[index]!;
    if (s !== stage) {
      const from = stage * tp, to = s * tp;
      for (const id of liveAcross(g, index)) {
        const t = g.tensors.get(id)!;
        const bytesPerRow = tensorBytes(t) / t.shape[0]!;
        ops.push({ id: 0, kind: 'c2c', inputs: [id], outputs: [id], attrs: { rowMode: 'rows', pattern: 'send', fromChip: from, toChip: to, bytesPerRow }, layer: op.layer, chip: to });
      }
      stage = s;
    }
    const lead = s * tp;
    op.chip = lead;
    if ((op.kind === 'matmul' || op.kind === 'embed') && tp > 1) {
      // An embedding table is split by vocabulary rows like a matmul by output rows.
      const N = op.kind === 'embed' ? g.config.vocabSize : op.attrs.N!;
      const gathered = op.kind === 'embed' ? g.config.dim : N;
      const per = Math.ceil(N / tp);
      op.shards = Array.from({ length: tp }, (_, i) => ({ chip: lead + i, nStart: Math.min(N, i * per), nEnd: Math.min(N, (i + 1) * per) })).filter((sh) => sh.nEnd > sh.nStart);
      ops.push(op);
      ops.push({ id: 0, kind: 'c2c', inputs: [op.outputs[0]!], outputs: [op.outputs[0]!], attrs: { rowMode: op.attrs.rowMode, pattern: 'allgather', fromChip: lead, toChip: lead + tp - 1, bytesPerRow: gathered * 4 }, layer: op.layer, chip: lead });
    } else {
      if (op.kind === 'matmul' || op.kind === 'embed') op.shards = [{ chip: lead, nStart: 0, nEnd: op.kind === 'embed' ? g.config.vocabSize : op.attrs.N! }];
      ops.push(op);
    }
  });
  g.ops = ops.map((op, i) => ({ ...op, id: i }));
  return g;
}

/** Activations written before op `at` and read at or after it: what a stage boundary there must move. */
function liveAcross(g: Graph, at: number): string[] {
  const written = new Set<string>();
  for (const op of g.ops.slice(0, at)) for (const id of op.outputs) if (g.tensors.get(id)!.kind === 'act') written.add(id);
  const needed = new Set<string>();
  for (const op of g.ops.slice(at)) {
    for (const id of op.inputs) if (written.has(id)) needed.add(id);
  }
  return [...needed].sort();
}
