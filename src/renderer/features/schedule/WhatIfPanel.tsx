import { useEffect, useState } from 'react';
import type { PresetListing, WhatIfResult } from '../../../shared/contract/lpu';
import { useT } from '../../i18n';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';

const PUBLISHED = { c2cGBps: 15, sramMiB: 220 };

/** A capacity planner's view: change chips, C2C bandwidth or SRAM per chip and read the deployment model's answer. */
export function WhatIfPanel({ presets }: { presets: PresetListing[] }) {
  const t = useT();
  const [preset, setPreset] = useState('llama-3.3-70b');
  const [chips, setChips] = useState('');
  const [c2cGBps, setC2c] = useState(String(PUBLISHED.c2cGBps));
  const [sramMiB, setSram] = useState(String(PUBLISHED.sramMiB));
  const [result, setResult] = useState<WhatIfResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const number = (s: string) => (s.trim() === '' ? undefined : Number(s));
    const request = { preset, chips: number(chips), c2cGBps: number(c2cGBps), sramMiB: number(sramMiB) };
    if ([request.chips, request.c2cGBps, request.sramMiB].some((v) => v !== undefined && !(v > 0))) {
      setError(t('whatIf.positive'));
      return;
    }
    let live = true;
    // Typing settles for a moment before the model runs: one request per pause, not per keystroke.
    const timer = setTimeout(() => {
      client.lpu.whatIf(request).then(
        (r) => live && (setResult(r), setError(null)),
        (e: unknown) => live && setError(errorMessage(e)),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [preset, chips, c2cGBps, sramMiB, t]);

  return (
    <aside className="what-if" aria-label={t('whatIf.title')} data-testid="what-if">
      <h2>{t('whatIf.title')}</h2>
      <label className="field">
        <span>{t('whatIf.model')}</span>
        <select value={preset} onChange={(e) => setPreset(e.target.value)} data-testid="what-if-preset">
          {presets.map((p) => <option key={p.name} value={p.name}>{p.model}</option>)}
        </select>
      </label>
      <label className="field">
        <span>{t('whatIf.chips')}</span>
        <input type="number" min={1} step={8} placeholder={t('whatIf.fewest')} value={chips} onChange={(e) => setChips(e.target.value)} data-testid="what-if-chips" />
      </label>
      <label className="field">
        <span>{t('whatIf.c2c')}</span>
        <input type="number" min={0.1} step={1} value={c2cGBps} onChange={(e) => setC2c(e.target.value)} data-testid="what-if-c2c" />
      </label>
      <label className="field">
        <span>{t('whatIf.sram')}</span>
        <input type="number" min={1} step={10} value={sramMiB} onChange={(e) => setSram(e.target.value)} data-testid="what-if-sram" />
      </label>
      {error && <p className="error-text" role="alert" data-testid="what-if-error">{error}</p>}
      {result && (
        <dl className="what-if-results">
          <dt>{t('whatIf.decode')}</dt>
          <dd data-testid="what-if-toks">{result.decodeTokS.toFixed(0)} tok/s</dd>
          <dt>{t('whatIf.ttft')}</dt>
          <dd data-testid="what-if-ttft">{result.ttftMs.toFixed(1)} ms</dd>
          <dt>{t('whatIf.needed')}</dt>
          <dd data-testid="what-if-needed">{result.chipsNeeded}</dd>
          <dt>{t('whatIf.split')}</dt>
          <dd>{t('whatIf.splitValue', { chips: result.chips, tp: result.tp, stages: result.stages })}</dd>
          <dt>{t('whatIf.dominant')}</dt>
          <dd>{t(`whatIf.term.${result.dominantTerm}`)} ({((result.breakdown[result.dominantTerm] / (result.breakdown.weights + result.breakdown.vector + result.breakdown.c2c)) * 100).toFixed(0)}%)</dd>
        </dl>
      )}
      <p className="faint">{t('whatIf.note', { alpha: result ? result.hardware.exchangeUs.toFixed(2) : '…' })}</p>
    </aside>
  );
}
