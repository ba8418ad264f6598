import { useEffect, useMemo, useState } from 'react';
import type { ActiveModel, PresetListing, ScheduleTimeline } from '../../../shared/contract/lpu';
import { useT } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';
import { TimelineCanvas } from './TimelineCanvas';
import { WhatIfPanel } from './WhatIfPanel';
import { layerRange, type CycleRange } from './timeline-view';
import './schedule.css';

/** The select's value for the active chat model (preset names never start with '@'). */
const ACTIVE = '@active';
/** Chip counts a program can be compiled for: inside one node, then whole nodes of 8. */
const CHIP_CHOICES = [1, 2, 4, 8, 16, 32, 64];

/** The compiled decode step of the active model or a preset as a timeline, beside the deployment model's what-if panel. */
export function ScheduleView() {
  const t = useT();
  const [presets, setPresets] = useState<PresetListing[]>([]);
  const [active, setActive] = useState<ActiveModel | null>(null);
  const [preset, setPreset] = useState('smollm2-135m');
  const [chips, setChips] = useState('');
  const [timeline, setTimeline] = useState<ScheduleTimeline | null>(null);
  const [range, setRange] = useState<CycleRange>({ c0: 0, c1: 1 });
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    client.lpu.presets({}).then((r) => {
      setPresets(r.presets);
      setActive(r.active);
    }, (e: unknown) => setError(errorMessage(e)));
  }, [t]);

  useEffect(() => {
    let live = true;
    setTimeline(null);
    setError(null);
    client.lpu.schedule({ source: preset === ACTIVE ? { activeModel: true } : { preset }, chips: chips ? Number(chips) : undefined }).then(
      (result) => {
        if (!live) return;
        setTimeline(result);
        setRange({ c0: 0, c1: result.totalCycles });
      },
      (e: unknown) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [preset, chips, t]);

  const layers = useMemo(() => (timeline ? [...new Set(timeline.ops.map((op) => op.layer))].sort((a, b) => a - b) : []), [timeline]);
  const criticalCount = useMemo(() => timeline?.critical.reduce((a, b) => a + b, 0) ?? 0, [timeline]);

  return (
    <div className="schedule-layout">
      <section className="schedule" aria-label={t('schedule.title')}>
        <header className="schedule-header">
          <h1>{t('schedule.title')}</h1>
          <label className="field-inline">
            <span>{t('schedule.program')}</span>
            <select value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="schedule-preset">
              {active && <option value={ACTIVE}>{t('schedule.activeModel', { name: active.name })}</option>}
              {presets.filter((p) => p.compilable).map((p) => (
                <option key={p.name} value={p.name}>{p.model}</option>
              ))}
            </select>
          </label>
          <label className="field-inline">
            <span>{t('whatIf.chips')}</span>
            <select value={chips} onChange={(e) => setChips(e.target.value)} data-testid="schedule-chips">
              <option value="">{t('whatIf.fewest')}</option>
              {CHIP_CHOICES.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
          {timeline && (
            <>
              <label className="field-inline">
                <span>{t('schedule.zoomTo')}</span>
                <select value="" onChange={(e) => {
                  const r = e.target.value === 'all' ? { c0: 0, c1: timeline.totalCycles } : layerRange(timeline, Number(e.target.value));
                  if (r) setRange(r);
                }} data-testid="schedule-layer">
                  <option value="" disabled>{t('schedule.pick')}</option>
                  <option value="all">{t('schedule.wholeStep')}</option>
                  {layers.map((layer) => (
                    <option key={layer} value={layer}>{layer < 0 ? t('schedule.embedHead') : t('schedule.layer', { layer })}</option>
                  ))}
                </select>
              </label>
              <span className="muted" data-testid="schedule-summary">
                {t('schedule.summary', { instructions: timeline.start.length, chips: timeline.chips, cycles: timeline.totalCycles, critical: criticalCount })}
              </span>
            </>
          )}
        </header>
        {error && <p className="error-text" role="alert">{error}</p>}
        {!timeline && !error && <p className="muted schedule-loading">{t('schedule.compiling')}</p>}
        {timeline && <TimelineCanvas timeline={timeline} range={range} onRange={setRange} />}
        <p className="faint schedule-hint">{t('schedule.hint')}</p>
      </section>
      <WhatIfPanel presets={presets} />
    </div>
  );
}
