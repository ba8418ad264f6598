import { AppError } from '../../../shared/errors';
import type { PresetListing, ScheduleTimeline } from '../../../shared/contract/lpu';
import { compile } from '../compiler/pipeline';
import { CLOCK_HZ, UNITS } from '../compiler/cost-model';
import type { Program } from '../compiler/passes/emit';
import type { TensorDecl } from '../ir/graph';
import { PUBLISHED_POINTS, TIMING_PRESETS } from './presets';

// The compiled decode step as a timeline: a lane per chip × functional unit, one bar per instruction,
// for the Schedule tab (columnar, over IPC) and for Chrome's trace-event format (lockstep lpu schedule --trace).

export function listPresets(): PresetListing[] {
  return Object.entries(TIMING_PRESETS).map(([name, p]) => {
    const published = PUBLISHED_POINTS.find((pt) => pt.preset === name);
    return { name, model: p.name, compilable: !p.experts, published: published ? { decodeTokS: published.value, source: published.source } : null };
  });
}

/** Compiles a preset's shape with int8 weights (no data needed): the program a file of that shape would get. */
export function compilePreset(name: string, chips?: number): Program {
  const preset = TIMING_PRESETS[name];
  if (!preset) throw new AppError('invalid_option', `Unknown preset "${name}"; choose one of ${Object.keys(TIMING_PRESETS).join(', ')}.`);
  if (preset.experts) throw new AppError('invalid_option', `${preset.name} is a mixture of experts, which the emulator's compiler does not lower; its speed is predicted by lpu predict instead.`);
  return compile(preset, { chips, bucket: 1024, weights: 'int8' }).program;
}

const hex = (n: number) => `0x${n.toString(16)}`;
/** A tensor's shape in the decode step: activations declared for the prefill chunk's rows hold one row there. */
const shapeOf = (t: TensorDecl | undefined, id: string, rows: number) => {
  if (!t) return id;
  const shape = (t.kind === 'act' || t.kind === 'io') && t.shape[0] === rows ? [1, ...t.shape.slice(1)] : t.shape;
  return `${id} ${t.dtype}[${shape.join(',')}]`;
};

/** The decode step of a program, sorted by start, with op details and the critical path marked. */
export function programTimeline(program: Program): ScheduleTimeline {
  const tensors = new Map(program.tensors.map((t) => [t.id, t]));
  const allocation = new Map<string, { offset: number; bytes: number }>();
  for (const a of program.memory.allocations) {
    const key = `${a.tensor}@${a.chip}`;
    if (!allocation.has(key)) allocation.set(key, { offset: a.offset, bytes: a.bytes });
  }
  const chipsOfOp = (opIndex: number) => [...new Set(program.decodeSchedule.filter((i) => i.op === opIndex).map((i) => i.chip))];
  const ranges = (ids: string[], chips: number[]) => ids.flatMap((id) => chips.flatMap((chip) => {
    const a = allocation.get(`${id}@${chip}`);
    return a ? [`${id}@${chip} ${hex(a.offset)}+${a.bytes}`] : [];
  }));
  const ops = program.ops.map((op) => {
    const chips = chipsOfOp(op.id);
    const onChips = chips.length ? chips : [op.chip ?? 0];
    const pattern = op.kind === 'c2c' ? ` (${op.attrs.pattern} chip ${op.attrs.fromChip} → ${op.attrs.toChip})` : '';
    return {
      kind: op.kind,
      layer: op.layer,
      shapes: `${op.inputs.map((id) => shapeOf(tensors.get(id), id, program.rows)).join(' · ')} → ${op.outputs.map((id) => shapeOf(tensors.get(id), id, program.rows)).join(' · ')}${pattern}`,
      reads: ranges(op.inputs, onChips),
      writes: ranges(op.outputs, onChips),
    };
  });

  const sorted = [...program.decodeSchedule].sort((a, b) => a.start - b.start || a.chip - b.chip || a.op - b.op);
  return {
    model: program.config.name,
    chips: program.partitioning.chips,
    tp: program.partitioning.tp,
    stages: program.partitioning.stages,
    clockHz: CLOCK_HZ,
    totalCycles: program.cycles.perDecodeToken,
    units: [...UNITS],
    start: sorted.map((i) => i.start),
    cycles: sorted.map((i) => i.cycles),
    chip: sorted.map((i) => i.chip),
    unit: sorted.map((i) => UNITS.indexOf(i.unit)),
    op: sorted.map((i) => i.op),
    critical: criticalPath(sorted.map((i) => i.start), sorted.map((i) => i.cycles)),
    ops,
  };
}

/**
 * The critical path: from the instruction that finishes last, walk back to the one whose finish released its
 * start (same finishing cycle; else the latest finish before it), until cycle 0. Marks 1 on the path.
 */
export function criticalPath(start: number[], cycles: number[]): number[] {
  const n = start.length;
  const marks = new Array<number>(n).fill(0);
  if (n === 0) return marks;
  const byEnd = [...Array(n).keys()].sort((a, b) => start[a]! + cycles[a]! - (start[b]! + cycles[b]!));
  const ends = byEnd.map((i) => start[i]! + cycles[i]!);
  /** Index into byEnd of the last instruction finishing at or before `t` (−1 if none). */
  const lastEndingBy = (t: number) => {
    let lo = 0, hi = ends.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  };
  let current = byEnd[n - 1]!;
  for (;;) {
    marks[current] = 1;
    if (start[current]! <= 0) break;
    const at = lastEndingBy(start[current]!);
    if (at < 0) break;
    current = byEnd[at]!;
  }
  return marks;
}

/** A Chrome trace-event event (the JSON Object Format's traceEvents entries). */
export interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

/**
 * Chrome trace-event JSON (Perfetto, chrome://tracing): a process per chip, a thread per functional unit,
 * complete ('X') events with ts/dur in µs from cycles at the clock, metadata ('M') events naming the lanes.
 * Ids start at 1 (trace viewers read pid/tid 0 as the kernel's idle task), and a tid is unique across the trace
 * (a viewer that keys threads by tid alone, as Linux tids are, never merges two lanes): pid = chip + 1,
 * tid = chip × units + unit + 1.
 */
export function chromeTrace(t: ScheduleTimeline): { traceEvents: TraceEvent[]; displayTimeUnit: 'ns'; otherData: Record<string, unknown> } {
  const us = (cycles: number) => (cycles / t.clockHz) * 1e6;
  const tidOf = (chip: number, unit: number) => chip * t.units.length + unit + 1;
  const events: TraceEvent[] = [];
  for (let chip = 0; chip < t.chips; chip++) {
    events.push({ name: 'process_name', ph: 'M', pid: chip + 1, tid: tidOf(chip, 0), ts: 0, args: { name: `chip ${chip}` } });
    events.push({ name: 'process_sort_index', ph: 'M', pid: chip + 1, tid: tidOf(chip, 0), ts: 0, args: { sort_index: chip } });
    t.units.forEach((unit, u) => {
      events.push({ name: 'thread_name', ph: 'M', pid: chip + 1, tid: tidOf(chip, u), ts: 0, args: { name: unit } });
      events.push({ name: 'thread_sort_index', ph: 'M', pid: chip + 1, tid: tidOf(chip, u), ts: 0, args: { sort_index: u } });
    });
  }
  for (let i = 0; i < t.start.length; i++) {
    const op = t.ops[t.op[i]!]!;
    events.push({
      name: op.kind, cat: t.units[t.unit[i]!]!, ph: 'X', pid: t.chip[i]! + 1, tid: tidOf(t.chip[i]!, t.unit[i]!), ts: us(t.start[i]!), dur: us(t.cycles[i]!),
      args: { chip: t.chip[i], op: t.op[i], layer: op.layer, shapes: op.shapes, reads: op.reads, writes: op.writes, start_cycle: t.start[i], cycles: t.cycles[i], critical: t.critical[i] === 1 },
    });
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: { model: t.model, chips: t.chips, tp: t.tp, stages: t.stages, clock_hz: t.clockHz, total_cycles: t.totalCycles, step: 'decode' },
  };
}
