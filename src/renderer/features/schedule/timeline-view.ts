import type { ScheduleTimeline } from '../../../shared/contract/lpu';

// The timeline's geometry, free of the DOM: lanes (chip × unit), the visible cycle range, zoom and pan, and
// the binary searches that keep drawing and hovering proportional to what is on screen, not to the program.

export interface Lanes {
  /** Lanes in display order: chip by chip, units in the program's order; only lanes with work. */
  labels: { chip: number; unit: number }[];
  /** Lane of each instruction. */
  laneOf: Int32Array;
  /** Instruction indices of each lane, in start order (a lane's instructions never overlap). */
  byLane: Int32Array[];
  /** Longest instruction: a bar visible at cycle c starts no earlier than c − maxCycles. */
  maxCycles: number;
}

export function buildLanes(t: Pick<ScheduleTimeline, 'chip' | 'unit' | 'cycles' | 'units'>): Lanes {
  const keyOf = (i: number) => t.chip[i]! * t.units.length + t.unit[i]!;
  const used = [...new Set(t.chip.map((_, i) => keyOf(i)))].sort((a, b) => a - b);
  const laneOfKey = new Map(used.map((key, lane) => [key, lane]));
  const laneOf = new Int32Array(t.chip.length);
  const counts = new Int32Array(used.length);
  let maxCycles = 0;
  for (let i = 0; i < t.chip.length; i++) {
    const lane = laneOfKey.get(keyOf(i))!;
    laneOf[i] = lane;
    counts[lane]!++;
    maxCycles = Math.max(maxCycles, t.cycles[i]!);
  }
  const byLane = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(used.length);
  for (let i = 0; i < laneOf.length; i++) byLane[laneOf[i]!]![fill[laneOf[i]!]!++] = i; // instructions arrive sorted by start
  return { labels: used.map((key) => ({ chip: Math.floor(key / t.units.length), unit: key % t.units.length })), laneOf, byLane, maxCycles };
}

/** First index whose start is ≥ c in an ascending array (length when none). */
export function firstStartAtOrAfter(start: ArrayLike<number>, c: number): number {
  let lo = 0, hi = start.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (start[mid]! < c) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Instructions that may overlap [c0, c1]: the index range [from, to) of the start-sorted columns. */
export function visibleSpan(start: ArrayLike<number>, maxCycles: number, c0: number, c1: number): [number, number] {
  return [firstStartAtOrAfter(start, c0 - maxCycles), firstStartAtOrAfter(start, c1 + 1)];
}

export interface CycleRange {
  c0: number;
  c1: number;
}

/** Fewest cycles the view may span: a few bars of the shortest kind stay legible. */
export const MIN_SPAN = 16;

function clampRange(c0: number, span: number, total: number): CycleRange {
  const width = Math.min(Math.max(span, MIN_SPAN), Math.max(total, MIN_SPAN));
  const start = Math.min(Math.max(c0, 0), Math.max(total - width, 0));
  return { c0: start, c1: start + width };
}

/** Zoom by `factor` (< 1 zooms in) keeping `focus` (a cycle) where it is on screen. */
export function zoomAround(range: CycleRange, focus: number, factor: number, total: number): CycleRange {
  const span = range.c1 - range.c0;
  const next = Math.min(Math.max(span * factor, MIN_SPAN), Math.max(total, MIN_SPAN));
  const share = span > 0 ? (focus - range.c0) / span : 0.5;
  return clampRange(focus - share * next, next, total);
}

export function panBy(range: CycleRange, cycles: number, total: number): CycleRange {
  return clampRange(range.c0 + cycles, range.c1 - range.c0, total);
}

/** The instruction of `lane` running at `cycle` (within `slack` cycles of a bar), or −1. */
export function barAt(t: Pick<ScheduleTimeline, 'start' | 'cycles'>, lanes: Lanes, lane: number, cycle: number, slack = 0): number {
  const list = lanes.byLane[lane];
  if (!list || list.length === 0) return -1;
  let lo = 0, hi = list.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t.start[list[mid]!]! <= cycle + slack) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return -1;
  const i = list[found]!;
  return cycle - slack <= t.start[i]! + t.cycles[i]! ? i : -1;
}

/** The cycles spanned by a layer's instructions (layer −1: embedding and head), or null when it has none. */
export function layerRange(t: Pick<ScheduleTimeline, 'start' | 'cycles' | 'op' | 'ops'>, layer: number): CycleRange | null {
  let c0 = Infinity, c1 = -Infinity;
  for (let i = 0; i < t.start.length; i++) {
    if (t.ops[t.op[i]!]!.layer !== layer) continue;
    c0 = Math.min(c0, t.start[i]!);
    c1 = Math.max(c1, t.start[i]! + t.cycles[i]!);
  }
  return c0 === Infinity ? null : { c0, c1 };
}
