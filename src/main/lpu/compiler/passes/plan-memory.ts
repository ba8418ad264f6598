import { AppError } from '../../../../shared/errors';
import { SRAM_BYTES_PER_CHIP } from '../cost-model';
import { tensorBytes, type Graph, type TensorDecl } from '../../ir/graph';

export const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** One tensor (or a weight's row slice) at a fixed SRAM range of one chip. */
export interface Allocation {
  tensor: string;
  chip: number;
  offset: number;
  bytes: number;
  /** For a weight slice: the rows [rowStart, rowEnd) of the full tensor it holds. */
  rowStart?: number;
  rowEnd?: number;
  /** For activations: the first and last op index that touch it (its lifetime). */
  live?: [number, number];
}

export interface MemoryPlan {
  chips: number;
  capacityPerChip: number;
  bytesPerChip: number[];
  allocations: Allocation[];
}

/** Greedy first-fit of lifetime intervals by decreasing size: llm.c's arena, with tinygrad's buffer reuse. */
export function packByLifetime(items: { key: string; bytes: number; live: [number, number] }[], base: number): { offsets: Map<string, number>; end: number } {
  const placed: { start: number; end: number; live: [number, number] }[] = [];
  const offsets = new Map<string, number>();
  let end = base;
  for (const item of [...items].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key))) {
    const conflicts = placed
      .filter((p) => p.live[0] <= item.live[1] && item.live[0] <= p.live[1])
      .sort((a, b) => a.start - b.start);
    let offset = base;
    for (const c of conflicts) {
      if (offset + item.bytes <= c.start) break;
      offset = Math.max(offset, c.end);
    }
    placed.push({ start: offset, end: offset + align(item.bytes), live: item.live });
    offsets.set(item.key, offset);
    end = Math.max(end, offset + align(item.bytes));
  }
  return { offsets, end };
}

/**
 * planMemory: a fixed SRAM range for every tensor on every chip that uses it. Weights, KV cache and tables are
 * permanent (sliced by shard rows on tensor-parallel chips); activations share space by lifetime.
 * A plan that exceeds a chip's SRAM fails here, at compile time. Given barrier lists (the sync plans'), an activation
 * lives through the whole barrier-free segments it is used in, so no two tensors that workers may touch at once share bytes.
 */
export function planMemory(g: Graph, chips: number, capacityPerChip = SRAM_BYTES_PER_CHIP, barrierLists: number[][] = []): MemoryPlan {
  const allocations: Allocation[] = [];
  const cursor = new Array<number>(chips).fill(0);
  const permanent = new Set<string>();
  const place = (tensor: TensorDecl, chip: number, rows?: [number, number]) => {
    const key = `${tensor.id}@${chip}`;
    if (permanent.has(key)) return;
    permanent.add(key);
    const rowBytes = tensorBytes(tensor) / tensor.shape[0]!;
    const bytes = rows ? (rows[1] - rows[0]) * rowBytes : tensorBytes(tensor);
    allocations.push({ tensor: tensor.id, chip, offset: cursor[chip]!, bytes, ...(rows ? { rowStart: rows[0], rowEnd: rows[1] } : {}) });
    cursor[chip] = align(cursor[chip]! + bytes);
  };

  const liveness = new Map<string, { chip: number; tensor: TensorDecl; live: [number, number] }>();
  g.ops.forEach((op, index) => {
    const chip = op.chip ?? 0;
    const touched = [...op.inputs, ...op.outputs];
    if (op.kind === 'c2c' && op.attrs.pattern === 'send') touched.push(`${op.inputs[0]}@${op.attrs.fromChip}`);
    for (const ref of touched) {
      const [id, chipOverride] = ref.split('@') as [string, string | undefined];
      const t = g.tensors.get(id)!;
      const onChip = chipOverride !== undefined ? Number(chipOverride) : chip;
      if (t.kind === 'act') {
        const key = `${id}@${onChip}`;
        const entry = liveness.get(key);
        if (entry) entry.live[1] = index;
        else liveness.set(key, { chip: onChip, tensor: t, live: [index, index] });
        continue;
      }
      if (t.kind === 'weight' && op.shards && t.shape.length === 2) {
        for (const s of op.shards!) place(t, s.chip, [s.nStart, s.nEnd]);
      } else {
        place(t, onChip);
      }
    }
  });

  if (barrierLists.length > 0) {
    const segments = barrierLists.map((b) => segmentBounds(b, g.ops.length));
    for (const v of liveness.values()) {
      v.live = [Math.min(...segments.map((s) => s.start[v.live[0]]!)), Math.max(...segments.map((s) => s.end[v.live[1]]!))];
    }
  }

  const bytesPerChip = [...cursor];
  for (let chip = 0; chip < chips; chip++) {
    const items = [...liveness.entries()]
      .filter(([, v]) => v.chip === chip)
      .map(([key, v]) => ({ key, bytes: tensorBytes(v.tensor), live: v.live }));
    const { offsets, end } = packByLifetime(items, cursor[chip]!);
    for (const [key, offset] of offsets) {
      const v = liveness.get(key)!;
      allocations.push({ tensor: v.tensor.id, chip, offset, bytes: tensorBytes(v.tensor), live: v.live });
    }
    bytesPerChip[chip] = end;
  }

  const worst = bytesPerChip.reduce((best, b, chip) => (b > bytesPerChip[best]! ? chip : best), 0);
  if (bytesPerChip[worst]! > capacityPerChip) {
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    throw new AppError(
      'plan_does_not_fit',
      `The model needs ${mib(bytesPerChip[worst]!)} MiB of SRAM on chip ${worst}, more than the ${mib(capacityPerChip)} MiB a chip has. Compile for more chips (--chips) or a smaller context bucket.`,
    );
  }
  return { chips, capacityPerChip, bytesPerChip, allocations };
}

/** For each op index, the first and last op index of the barrier-free segment that holds it. */
export function segmentBounds(barriers: number[], ops: number): { start: number[]; end: number[] } {
  const start: number[] = [], end: number[] = [];
  const cuts = new Set(barriers);
  for (let i = 0, s = 0; i < ops; i++) { if (cuts.has(i)) s = i; start.push(s); }
  for (let i = ops - 1, e = ops - 1; i >= 0; i--) { end[i] = e; if (cuts.has(i)) e = i - 1; }
  return { start, end };
}

/** Text form of the plan: per chip, permanent ranges then activations with their lifetimes. */
export function dumpMemoryPlan(plan: MemoryPlan, limit = 40): string {
  const mib = (n: number) => (n / 2 ** 20).toFixed(2);
  const lines: string[] = [];
  for (let chip = 0; chip < plan.chips; chip++) {
    lines.push(`chip ${chip}: ${mib(plan.bytesPerChip[chip]!)} / ${mib(plan.capacityPerChip)} MiB`);
    const mine = plan.allocations.filter((a) => a.chip === chip).sort((a, b) => a.offset - b.offset || a.tensor.localeCompare(b.tensor));
    for (const a of mine.slice(0, limit)) {
      const rows = a.rowStart !== undefined ? ` rows ${a.rowStart}-${a.rowEnd}` : '';
      const live = a.live ? ` live ${a.live[0]}-${a.live[1]}` : '';
      lines.push(`  [${a.offset.toString().padStart(10)} +${a.bytes.toString().padStart(9)}] ${a.tensor}${rows}${live}`);
    }
    if (mine.length > limit) lines.push(`  … ${mine.length - limit} more`);
  }
  return lines.join('\n') + '\n';
}

/** Verifier: on each chip, no two allocations share bytes while both are live (permanent ones are always live). */
export function verifyMemoryPlan(plan: MemoryPlan): void {
  for (let chip = 0; chip < plan.chips; chip++) {
    const mine = plan.allocations.filter((a) => a.chip === chip).sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < mine.length; i++) {
      for (let j = i + 1; j < mine.length && mine[j]!.offset < mine[i]!.offset + mine[i]!.bytes; j++) {
        const [a, b] = [mine[i]!, mine[j]!];
        const together = !a.live || !b.live || (a.live[0] <= b.live[1] && b.live[0] <= a.live[1]);
        if (together) throw new Error(`planMemory: ${a.tensor} and ${b.tensor} overlap on chip ${chip}`);
      }
    }
  }
}
