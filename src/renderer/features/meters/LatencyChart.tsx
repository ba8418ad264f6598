import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useT } from '../../i18n';
import { useMetersStore } from '../../stores/meters/store';
import { useSettingsStore } from '../../stores/settings/store';

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Emulated vs wall-clock latency per token: the compiler's flat schedule against this machine's jitter. */
export function LatencyChart({ width }: { width: number }) {
  const t = useT();
  const theme = useSettingsStore((s) => s.settings?.theme);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!host.current) return;
    const axis = { stroke: cssVar('--text-faint'), grid: { stroke: cssVar('--border'), width: 1 }, ticks: { stroke: cssVar('--border'), width: 1 }, font: '11px system-ui' };
    const data = (): uPlot.AlignedData => {
      const { samples } = useMetersStore.getState();
      return [samples.index, samples.emulatedMs, samples.wallMs];
    };
    const plot = new uPlot(
      {
        width,
        height: 170,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: false },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [{ ...axis }, { ...axis, size: 44 }],
        series: [
          { label: t('meters.tokens') },
          { label: t('meters.emulated'), stroke: cssVar('--chart-emulated'), width: 2, points: { show: false } },
          { label: t('meters.wall'), stroke: cssVar('--chart-wall'), width: 1.5, points: { show: false } },
        ],
      },
      data(),
      host.current,
    );
    // Redraw at most once per frame however fast tokens arrive.
    let frame = 0;
    const unsubscribe = useMetersStore.subscribe(() => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        plot.setData(data());
      });
    });
    return () => {
      cancelAnimationFrame(frame);
      unsubscribe();
      plot.destroy();
    };
  }, [t, theme, width]);

  return <div ref={host} className="latency-chart" role="img" aria-label={t('meters.latency')} data-testid="latency-chart" />;
}
