import type { ScheduleTimeline } from '../../../shared/contract/lpu';
import { visibleSpan, type CycleRange, type Lanes } from './timeline-view';

// Drawing, apart from the DOM so its work can be counted: only the instructions overlapping the visible cycles
// are visited, and bars thinner than a pixel share their pixel column (one fillRect per lane per column at most).

export const LABEL_WIDTH = 92;
export const AXIS_HEIGHT = 22;
export const LANE_HEIGHT = 16;
const UNIT_COLOURS = ['#4f7cff', '#2fa36b', '#a55ee0', '#e08a2e', '#d9485f'];
const CRITICAL = '#e0a800';

/** The slice of CanvasRenderingContext2D the timeline uses. */
export type TimelineContext = Pick<CanvasRenderingContext2D,
  'clearRect' | 'fillRect' | 'strokeRect' | 'fillText' | 'save' | 'restore' | 'beginPath' | 'rect' | 'clip'> & {
  fillStyle: unknown; strokeStyle: unknown; lineWidth: number; font: string; textBaseline: CanvasTextBaseline;
};

/** Draws one frame; returns the number of bars drawn. */
export function drawTimeline(g: TimelineContext, t: ScheduleTimeline, lanes: Lanes, range: CycleRange, size: { width: number; height: number },
  scrollY: number, colours: { ink: string; faint: string }): number {
  g.clearRect(0, 0, size.width, size.height);
  const plotWidth = Math.max(1, size.width - LABEL_WIDTH);
  const span = Math.max(range.c1 - range.c0, 1);
  const xOf = (cycle: number) => LABEL_WIDTH + ((cycle - range.c0) / span) * plotWidth;
  const firstLane = Math.floor(scrollY / LANE_HEIGHT);
  const lastLane = Math.min(lanes.labels.length - 1, Math.floor((scrollY + size.height - AXIS_HEIGHT) / LANE_HEIGHT));
  const yOf = (lane: number) => AXIS_HEIGHT + lane * LANE_HEIGHT - scrollY;

  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'middle';
  for (let lane = firstLane; lane <= lastLane; lane++) {
    const { chip, unit } = lanes.labels[lane]!;
    g.fillStyle = colours.ink;
    g.fillText(`chip ${chip} ${t.units[unit]}`, 6, yOf(lane) + LANE_HEIGHT / 2);
    g.fillStyle = colours.faint;
    g.fillRect(LABEL_WIDTH, yOf(lane) + LANE_HEIGHT - 0.5, plotWidth, 0.5);
  }

  const [from, to] = visibleSpan(t.start, lanes.maxCycles, range.c0, range.c1);
  const lastX = new Float64Array(lanes.labels.length).fill(-1);
  g.save();
  g.beginPath();
  g.rect(LABEL_WIDTH, AXIS_HEIGHT, plotWidth, size.height - AXIS_HEIGHT);
  g.clip();
  let drawn = 0;
  for (let i = from; i < to; i++) {
    const lane = lanes.laneOf[i]!;
    if (lane < firstLane || lane > lastLane) continue;
    const end = t.start[i]! + t.cycles[i]!;
    if (end < range.c0) continue;
    const x0 = xOf(t.start[i]!);
    const width = Math.max(xOf(end) - x0, 1);
    const critical = t.critical[i] === 1;
    if (width <= 1 && !critical && Math.floor(x0) === lastX[lane]) continue;
    lastX[lane] = Math.floor(x0);
    g.fillStyle = UNIT_COLOURS[t.unit[i]! % UNIT_COLOURS.length]!;
    g.fillRect(x0, yOf(lane) + 2, width, LANE_HEIGHT - 5);
    if (critical) {
      g.strokeStyle = CRITICAL;
      g.lineWidth = 2;
      g.strokeRect(x0, yOf(lane) + 2, width, LANE_HEIGHT - 5);
    }
    drawn++;
  }
  g.restore();

  // Cycle axis: ticks at round numbers, at most ten.
  g.fillStyle = colours.ink;
  g.textBaseline = 'top';
  const step = Math.pow(10, Math.floor(Math.log10(span / 8)));
  const tick = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 10) ?? step * 10;
  for (let c = Math.ceil(range.c0 / tick) * tick; c <= range.c1; c += tick) {
    const x = xOf(c);
    g.fillRect(x, AXIS_HEIGHT - 6, 1, 6);
    g.fillText(String(c), x + 2, 4);
  }
  return drawn;
}
