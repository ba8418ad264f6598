import { useEffect, useMemo, useRef, useState } from 'react';
import type { ScheduleTimeline } from '../../../shared/contract/lpu';
import { useT } from '../../i18n';
import { barAt, buildLanes, panBy, zoomAround, type CycleRange, type Lanes } from './timeline-view';
import { AXIS_HEIGHT, drawTimeline, LABEL_WIDTH, LANE_HEIGHT } from './draw-timeline';

// One canvas, redrawn on the next animation frame after any change: only the instructions overlapping the
// visible cycles are visited (binary search on start), and bars thinner than a pixel share their pixel column.


export function TimelineCanvas({ timeline, range, onRange }: { timeline: ScheduleTimeline; range: CycleRange; onRange(range: CycleRange): void }) {
  const t = useT();
  const canvas = useRef<HTMLCanvasElement>(null);
  const lanes = useMemo(() => buildLanes(timeline), [timeline]);
  const [size, setSize] = useState({ width: 800, height: 400 });
  const [scrollY, setScrollY] = useState(0);
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null);
  const drag = useRef<{ x: number; y: number; range: CycleRange; scrollY: number } | null>(null);
  const total = timeline.totalCycles;
  const plotWidth = Math.max(1, size.width - LABEL_WIDTH);
  const maxScroll = Math.max(0, lanes.labels.length * LANE_HEIGHT - (size.height - AXIS_HEIGHT));

  useEffect(() => {
    const element = canvas.current!.parentElement!;
    const observer = new ResizeObserver(() => setSize({ width: element.clientWidth, height: element.clientHeight }));
    observer.observe(element);
    setSize({ width: element.clientWidth, height: element.clientHeight });
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      const element = canvas.current;
      if (element) draw(element, timeline, lanes, range, size, scrollY);
    });
    return () => cancelAnimationFrame(frame);
  }, [timeline, lanes, range, size, scrollY]);

  const cycleAt = (x: number) => range.c0 + ((x - LABEL_WIDTH) / plotWidth) * (range.c1 - range.c0);

  const onWheel = (event: React.WheelEvent) => {
    const x = event.clientX - canvas.current!.getBoundingClientRect().left;
    if (event.shiftKey) {
      setScrollY((y) => Math.min(Math.max(y + event.deltaY, 0), maxScroll));
      return;
    }
    if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
      onRange(panBy(range, (event.deltaX / plotWidth) * (range.c1 - range.c0), total));
      return;
    }
    onRange(zoomAround(range, cycleAt(Math.max(x, LABEL_WIDTH)), Math.pow(1.0015, event.deltaY), total));
  };

  const onPointerDown = (event: React.PointerEvent) => {
    canvas.current!.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, range, scrollY };
  };
  const onPointerMove = (event: React.PointerEvent) => {
    const box = canvas.current!.getBoundingClientRect();
    const x = event.clientX - box.left, y = event.clientY - box.top;
    const d = drag.current;
    if (d) {
      const cycles = ((d.x - event.clientX) / plotWidth) * (d.range.c1 - d.range.c0);
      onRange(panBy(d.range, cycles, total));
      setScrollY(Math.min(Math.max(d.scrollY + (d.y - event.clientY), 0), maxScroll));
      return;
    }
    const lane = Math.floor((y - AXIS_HEIGHT + scrollY) / LANE_HEIGHT);
    if (x < LABEL_WIDTH || y < AXIS_HEIGHT || lane < 0 || lane >= lanes.labels.length) return setHover(null);
    const slack = (2 / plotWidth) * (range.c1 - range.c0); // two pixels either side find sub-pixel bars
    const index = barAt(timeline, lanes, lane, cycleAt(x), slack);
    setHover(index >= 0 ? { index, x, y } : null);
  };
  const onPointerUp = () => (drag.current = null);

  const onKeyDown = (event: React.KeyboardEvent) => {
    const span = range.c1 - range.c0;
    const actions: Record<string, () => CycleRange> = {
      ArrowLeft: () => panBy(range, -span / 10, total),
      ArrowRight: () => panBy(range, span / 10, total),
      '+': () => zoomAround(range, (range.c0 + range.c1) / 2, 0.5, total),
      '=': () => zoomAround(range, (range.c0 + range.c1) / 2, 0.5, total),
      '-': () => zoomAround(range, (range.c0 + range.c1) / 2, 2, total),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    onRange(action());
  };

  const hovered = hover ? timeline.ops[timeline.op[hover.index]!] : undefined;
  return (
    <div className="timeline-canvas">
      <canvas
        ref={canvas}
        tabIndex={0}
        role="img"
        aria-label={t('schedule.canvas', { from: Math.round(range.c0), to: Math.round(range.c1) })}
        data-testid="schedule-canvas"
        data-visible-start={Math.round(range.c0)}
        data-visible-end={Math.round(range.c1)}
        data-lanes={lanes.labels.length}
        data-lane-height={LANE_HEIGHT}
        data-axis-height={AXIS_HEIGHT}
        data-label-width={LABEL_WIDTH}
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setHover(null)}
        onKeyDown={onKeyDown}
      />
      {hover && hovered && (
        <div className="timeline-tooltip" role="tooltip" data-testid="schedule-tooltip" data-op={hovered.kind}
          style={{ left: Math.min(hover.x + 14, size.width - 340), top: Math.min(hover.y + 14, size.height - 160) }}>
          <div>
            <strong>{hovered.kind}</strong> · {timeline.units[timeline.unit[hover.index]!]} · {t('schedule.chip', { chip: timeline.chip[hover.index]! })}
            {hovered.layer >= 0 && <> · {t('schedule.layer', { layer: hovered.layer })}</>}
            {timeline.critical[hover.index] === 1 && <> <span className="pill accent">{t('schedule.critical')}</span></>}
          </div>
          <div className="mono">{hovered.shapes}</div>
          <div>{t('schedule.cycles', { start: timeline.start[hover.index]!, cycles: timeline.cycles[hover.index]! })}</div>
          {hovered.reads.length > 0 && <div className="mono">{t('schedule.reads')} {hovered.reads.slice(0, 4).join(', ')}{hovered.reads.length > 4 ? ' …' : ''}</div>}
          {hovered.writes.length > 0 && <div className="mono">{t('schedule.writes')} {hovered.writes.slice(0, 4).join(', ')}{hovered.writes.length > 4 ? ' …' : ''}</div>}
        </div>
      )}
    </div>
  );
}

function draw(canvas: HTMLCanvasElement, t: ScheduleTimeline, lanes: Lanes, range: CycleRange, size: { width: number; height: number }, scrollY: number): void {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(size.width * ratio) || canvas.height !== Math.round(size.height * ratio)) {
    canvas.width = Math.round(size.width * ratio);
    canvas.height = Math.round(size.height * ratio);
    canvas.style.width = `${size.width}px`;
    canvas.style.height = `${size.height}px`;
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  const style = getComputedStyle(canvas);
  const colours = { ink: style.getPropertyValue('--text').trim() || '#222', faint: style.getPropertyValue('--border').trim() || '#ccc' };
  canvas.dataset.barsDrawn = String(drawTimeline(g, t, lanes, range, size, scrollY, colours));
}
