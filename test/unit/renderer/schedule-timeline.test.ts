import { describe, expect, it } from 'vitest';
import type { ScheduleTimeline } from '../../../src/shared/contract/lpu';
import { drawTimeline, type TimelineContext } from '../../../src/renderer/features/schedule/draw-timeline';
import { barAt, buildLanes, firstStartAtOrAfter, layerRange, MIN_SPAN, panBy, visibleSpan, zoomAround } from '../../../src/renderer/features/schedule/timeline-view';

/** A synthetic program of n instructions over `chips` chips × 5 units, back to back per lane, sorted by start. */
function syntheticTimeline(n: number, chips: number): ScheduleTimeline {
  const lanes = chips * 5;
  const rows = Array.from({ length: n }, (_, i) => ({ lane: i % lanes, start: Math.floor(i / lanes) * 10 + (i % 3), cycles: 5 + (i % 3) }));
  rows.sort((a, b) => a.start - b.start);
  return {
    model: 'synthetic', chips, tp: chips, stages: 1, clockHz: 900e6, totalCycles: Math.max(...rows.map((r) => r.start + r.cycles)),
    units: ['MXM', 'VXM', 'SXM', 'MEM', 'C2C'],
    start: rows.map((r) => r.start), cycles: rows.map((r) => r.cycles), chip: rows.map((r) => Math.floor(r.lane / 5)), unit: rows.map((r) => r.lane % 5),
    op: rows.map((_, i) => i % 4), critical: rows.map(() => 0),
    ops: [0, 1, 2, 3].map((k) => ({ kind: `op${k}`, layer: k - 1, shapes: '', reads: [], writes: [] })),
  };
}

describe('schedule timeline geometry', () => {
  const big = syntheticTimeline(100_000, 8);
  const lanes = buildLanes(big);

  it('puts every instruction on its chip × unit lane, in start order', () => {
    expect(lanes.labels).toHaveLength(40);
    expect(lanes.byLane.reduce((n, l) => n + l.length, 0)).toBe(100_000);
    for (const list of lanes.byLane) for (let k = 1; k < list.length; k++) expect(big.start[list[k]!]!).toBeGreaterThanOrEqual(big.start[list[k - 1]!]!);
    expect(lanes.maxCycles).toBe(7);
  });

  it('visits only the instructions that can overlap the visible cycles (100k bars, narrow window)', () => {
    const [from, to] = visibleSpan(big.start, lanes.maxCycles, 10_000, 10_100);
    expect(to - from).toBeLessThan(600); // ~40 lanes × 11 rows, not 100,000
    for (let i = 0; i < big.start.length; i++) {
      const overlaps = big.start[i]! <= 10_100 && big.start[i]! + big.cycles[i]! >= 10_000;
      if (overlaps) expect(i >= from && i < to, `instruction ${i}`).toBe(true);
    }
    expect(firstStartAtOrAfter([0, 5, 5, 9], 5)).toBe(1);
    expect(firstStartAtOrAfter([0, 5, 5, 9], 10)).toBe(4);
  });

  it('zooms around the pointer, never past one bar or the whole step, and pans inside the step', () => {
    const all = { c0: 0, c1: big.totalCycles };
    const zoomed = zoomAround(all, 20_000, 0.5, big.totalCycles);
    expect(zoomed.c1 - zoomed.c0).toBeCloseTo(big.totalCycles / 2, 6);
    expect((20_000 - zoomed.c0) / (zoomed.c1 - zoomed.c0)).toBeCloseTo(20_000 / big.totalCycles, 6);
    let deep = all;
    for (let k = 0; k < 60; k++) deep = zoomAround(deep, 500, 0.5, big.totalCycles);
    expect(deep.c1 - deep.c0).toBe(MIN_SPAN);
    expect(zoomAround(all, 0, 4, big.totalCycles)).toEqual(all);
    expect(panBy({ c0: 0, c1: 100 }, -50, big.totalCycles)).toEqual({ c0: 0, c1: 100 });
    expect(panBy({ c0: 0, c1: 100 }, 1e9, big.totalCycles)).toEqual({ c0: big.totalCycles - 100, c1: big.totalCycles });
  });

  it('finds the bar under the pointer by lane and cycle, and the cycles of a layer', () => {
    const i = 12_345;
    const lane = lanes.laneOf[i]!;
    expect(barAt(big, lanes, lane, big.start[i]! + 1)).toBe(i);
    expect(barAt(big, lanes, lane, -100)).toBe(-1);
    const range = layerRange(big, 1)!;
    const inLayer = big.op.map((op, k) => (big.ops[op]!.layer === 1 ? k : -1)).filter((k) => k >= 0);
    expect(range.c0).toBe(Math.min(...inLayer.map((k) => big.start[k]!)));
    expect(layerRange(big, 99)).toBeNull();
  });

  it('draws a frame of 100k bars with work bounded by the pixels, not the program', () => {
    const calls = { fillRect: 0, strokeRect: 0 };
    const g = {
      clearRect() {}, fillText() {}, save() {}, restore() {}, beginPath() {}, rect() {}, clip() {},
      fillRect() { calls.fillRect++; }, strokeRect() { calls.strokeRect++; },
      fillStyle: '', strokeStyle: '', lineWidth: 1, font: '', textBaseline: 'top',
    } as unknown as TimelineContext;
    const size = { width: 1000, height: 40 * 16 + 22 };
    const colours = { ink: '#000', faint: '#ccc' };
    // Whole step on screen: at most one bar per lane per pixel column of the ~900-pixel plot.
    const all = drawTimeline(g, big, lanes, { c0: 0, c1: big.totalCycles }, size, 0, colours);
    expect(all).toBeGreaterThan(0);
    expect(all).toBeLessThanOrEqual(40 * 910);
    expect(all).toBeLessThan(big.start.length / 2);
    // A narrow window draws only its own bars, each at least a pixel wide.
    calls.fillRect = 0;
    const narrow = drawTimeline(g, big, lanes, { c0: 10_000, c1: 10_100 }, size, 0, colours);
    expect(narrow).toBeGreaterThan(100);
    expect(narrow).toBeLessThan(600);
    // Lanes scrolled out of view cost nothing.
    expect(drawTimeline(g, big, lanes, { c0: 10_000, c1: 10_100 }, { ...size, height: 22 + 16 }, 0, colours)).toBeLessThan(30); // two lanes' worth
  });
});
