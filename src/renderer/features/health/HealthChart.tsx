import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useSettingsStore } from '../../stores/settings/store';
import { useParentWidth } from '../layout/useParentWidth';

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export interface ChartLine {
  label: string;
  values: (number | null)[];
  /** A CSS custom property, e.g. '--chart-wall'. */
  color: string;
  /** Drawn as points only (events rather than a level). */
  points?: boolean;
}

interface HealthChartProps {
  title: string;
  /** The y axis's label, with its unit. */
  axis: string;
  x: number[];
  lines: ChartLine[];
  /** The alert threshold, drawn as a dashed line across the whole hour. */
  threshold?: { label: string; value: number };
  testId: string;
}

/** One time-series chart of the last hour; the threshold is a series of its own so the legend names it too. */
export function HealthChart({ title, axis, x, lines, threshold, testId }: HealthChartProps) {
  const theme = useSettingsStore((s) => s.settings?.theme);
  const host = useRef<HTMLDivElement>(null);
  const width = useParentWidth(host);

  useEffect(() => {
    if (!host.current || !width) return;
    const style = { stroke: cssVar('--text-faint'), grid: { stroke: cssVar('--border'), width: 1 }, ticks: { stroke: cssVar('--border'), width: 1 }, font: '11px system-ui' };
    const series: uPlot.Series[] = [
      {},
      ...lines.map((line) => ({
        label: line.label,
        stroke: cssVar(line.color),
        width: 2,
        spanGaps: false,
        paths: line.points ? () => null : undefined,
        // A minute alone between gaps would draw nothing as a line: its point stays visible.
        points: { show: true, size: line.points ? 8 : 5, fill: cssVar(line.color) },
      })),
      ...(threshold ? [{ label: threshold.label, stroke: cssVar('--chart-threshold'), width: 1.5, dash: [6, 4], points: { show: false } }] : []),
    ];
    const data: uPlot.AlignedData = [x, ...lines.map((line) => line.values), ...(threshold ? [x.map(() => threshold.value)] : [])];
    const highest = Math.max(0, ...lines.flatMap((line) => line.values.filter((v): v is number => v !== null)));
    const plot = new uPlot(
      {
        width,
        height: 180,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: false },
        // The threshold stays in view even while every value is far below it.
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(max, highest, threshold?.value ?? 0) * 1.1 || 1] } },
        axes: [{ ...style }, { ...style, size: 50, label: axis, labelSize: 18, labelFont: '11px system-ui' }],
        series,
      },
      data,
      host.current,
    );
    return () => plot.destroy();
  }, [axis, lines, threshold, theme, width, x]);

  return (
    <figure className="health-chart" data-testid={testId} data-threshold={threshold?.value}>
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={title} />
    </figure>
  );
}
