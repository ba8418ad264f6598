import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useT } from '../../i18n';
import { useMetersStore } from '../../stores/meters/store';
import { useSettingsStore } from '../../stores/settings/store';
import { useParentWidth } from '../layout/useParentWidth';

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** Emulated vs wall-clock latency per token: the compiler's flat schedule against this machine's jitter. */
export function LatencyChart() {
  const t = useT();
  const theme = useSettingsStore((s) => s.settings?.theme);
  const host = useRef<HTMLDivElement>(null);
  const hasSamples = useMetersStore((s) => s.samples.index.length > 0);
  const width = useParentWidth(host);

  useEffect(() => {
    if (!host.current || !width) return;
    const axis = { stroke: cssVar('--text-faint'), grid: { stroke: cssVar('--border'), width: 1 }, ticks: { stroke: cssVar('--border'), width: 1 }, font: '11px system-ui' };
    const data = (): uPlot.AlignedData => {
      const { samples } = useMetersStore.getState();
      const positive = (values: number[]) => values.map((v) => (v > 0 ? v : null));
      return [samples.index, positive(samples.emulatedMs), positive(samples.wallMs)];
    };
    const plot = new uPlot(
      {
        width,
        height: 170,
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: false },
        // Log scale: the emulated line sits orders of magnitude below wall-clock time yet both stay readable.
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        // Both axes say what they measure and in which unit.
        axes: [
          { ...axis, label: t('meters.axisToken'), labelSize: 18, labelFont: '11px system-ui' },
          { ...axis, size: 44, label: t('meters.axisLatency'), labelSize: 18, labelFont: '11px system-ui' },
        ],
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

  return (
    <>
      <div ref={host} className="latency-chart" role="img" aria-label={t('meters.latency')} data-testid="latency-chart" hidden={!hasSamples} />
      {!hasSamples && <p className="faint meters-note">{t('meters.noSamples')}</p>}
    </>
  );
}
