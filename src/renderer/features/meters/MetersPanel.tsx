import { useEffect, useRef } from 'react';
import { useT, type MessageKey } from '../../i18n';
import { Icon } from '../layout/icons';
import { useMetersStore } from '../../stores/meters/store';
import { LatencyChart } from './LatencyChart';
import { groqReadouts, lpuReadouts, openAiReadouts, UNITS } from './readouts';
import './meters.css';
import { DegradationStatus } from '../health/DegradationStatus';
import { ServedNote } from './ServedNote';

// The live dashboard. React renders the layout once per answer (provider change); values are written straight
// into the DOM from a store subscription so the chat never re-renders at token rate.

/** A column beside the chat, or (`drawer`) a panel over it in compact windows, closed by its button or Esc. */
export function MetersPanel({ drawer = false, onClose }: { drawer?: boolean; onClose?(): void }) {
  const t = useT();
  const provider = useMetersStore((s) => s.provider);
  const model = useMetersStore((s) => s.model);
  const body = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const write = () => {
      const { samples, meters, provider: current } = useMetersStore.getState();
      const readouts =
        current === 'lpu'
          ? lpuReadouts(samples, meters?.provider === 'lpu' ? meters : null)
          : current === 'groq'
            ? groqReadouts(meters?.provider === 'groq' ? meters : null)
            : current === 'openai'
              ? openAiReadouts(meters?.provider === 'openai' ? meters : null)
              : current === 'extractive' && meters?.provider === 'extractive'
              ? { extractive: t('meters.extractive', { ms: Math.round(meters.wallMs) }) }
              : {};
      for (const element of body.current?.querySelectorAll<HTMLElement>('[data-meter]') ?? []) {
        const value = readouts[element.dataset.meter!] ?? '—';
        if (element.textContent !== value) element.textContent = value;
        if (element.dataset.bar !== undefined) element.parentElement!.style.setProperty('--fill', value.endsWith('%') ? value : '0%');
      }
    };
    write();
    return useMetersStore.subscribe(write);
  }, [t, provider]);

  useEffect(() => {
    if (!drawer || !onClose) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [drawer, onClose]);

  return (
    <aside className={`meters ${drawer ? 'drawer' : ''}`} aria-label={t('meters.title')} data-testid="meters" data-drawer={drawer}>
      <header className="meters-header">
        <h2>{t('meters.title')}</h2>
        {provider && provider !== 'extractive' && (
          <span className="pill accent" title={model ?? undefined}>
            {t(provider === 'lpu' ? 'meters.lpuTitle' : provider === 'groq' ? 'meters.groqTitle' : 'meters.openaiTitle')}
          </span>
        )}
        {drawer && (
          <button className="button icon-button ghost" aria-label={t('meters.close')} onClick={onClose} data-testid="close-meters">
            <Icon name="close" />
          </button>
        )}
      </header>
      <div className="meters-body" ref={body}>
        {provider === null && <p className="faint">{t('meters.empty')}</p>}
        {provider === 'lpu' && <LpuMetersView />}
        {provider === 'groq' && <GroqMetersView />}
        {provider === 'openai' && <OpenAiMetersView />}
        {provider === 'extractive' && <p className="muted" data-meter="extractive" />}
        {model && provider !== 'extractive' && <p className="meters-model faint">{model}</p>}
        <ServedNote />
        <DegradationStatus />
      </div>
    </aside>
  );
}

function Readout({ label, meter, sub }: { label: MessageKey; meter: string; sub?: MessageKey }) {
  const t = useT();
  return (
    <div className="readout">
      <span className="readout-label">
        {t(label)}
        {sub && <span className="faint"> · {t(sub)}</span>}
      </span>
      <span className="readout-value" data-meter={meter} data-testid={`meter-${meter}`}>
        —
      </span>
    </div>
  );
}

function LpuMetersView() {
  const t = useT();
  return (
    <>
      <section>
        <h3>{t('meters.latency')}</h3>
        <LatencyChart />
      </section>
      <div className="readouts">
        <Readout label="meters.ttft" sub="meters.emulatedShort" meter="ttft-emulated" />
        <Readout label="meters.ttft" sub="meters.wallShort" meter="ttft-wall" />
        <Readout label="meters.tokensPerSecond" sub="meters.emulatedShort" meter="tps-emulated" />
        <Readout label="meters.tokensPerSecond" sub="meters.wallShort" meter="tps-wall" />
        <Readout label="meters.totalCycles" meter="cycles" />
        <Readout label="meters.cyclesPerToken" meter="cycles-per-token" />
        <Readout label="meters.tokens" meter="tokens" />
        <Readout label="meters.chips" meter="chips" />
        <Readout label="meters.prefixCache" meter="prefix-cache" />
        <Readout label="meters.ttftRetrieval" meter="ttft-retrieval" />
        <Readout label="meters.ttftQueue" meter="ttft-queue" />
        <Readout label="meters.ttftPrefill" meter="ttft-prefill" />
        <Readout label="meters.ttftFirstDecode" meter="ttft-first-decode" />
        <Readout label="meters.kernels" meter="kernels" />
      </div>
      <section>
        <h3>{t('meters.utilisation')}</h3>
        <ul className="utilisation">
          {UNITS.map((unit) => (
            <li key={unit}>
              <span className="unit">{unit}</span>
              <span className="bar">
                <span />
              </span>
              <span className="readout-value" data-meter={`util-${unit}`} data-bar="" />
            </li>
          ))}
        </ul>
      </section>
      <div className="readouts">
        <Readout label="meters.sram" meter="sram" />
      </div>
    </>
  );
}

function GroqMetersView() {
  return (
    <div className="readouts">
      <Readout label="meters.firstReasoning" meter="ttft-reasoning" />
      <Readout label="meters.firstAnswer" meter="ttft" />
      <Readout label="meters.tokensPerSecond" meter="tps" />
      <Readout label="meters.queue" meter="queue" />
      <Readout label="meters.promptTime" meter="prompt" />
      <Readout label="meters.completionTime" meter="completion" />
      <Readout label="meters.totalTime" meter="total" />
      <Readout label="meters.tokens" meter="tokens" />
      <Readout label="meters.reasoningTokens" meter="reasoning-tokens" />
      <Readout label="meters.cachedPrompt" meter="cached-prompt" />
      <Readout label="meters.serviceTier" meter="tier" />
      <Readout label="meters.tokenLimit" meter="token-limit" />
    </div>
  );
}

function OpenAiMetersView() {
  return (
    <div className="readouts">
      <Readout label="meters.firstReasoning" meter="ttft-reasoning" />
      <Readout label="meters.firstAnswer" meter="ttft" />
      <Readout label="meters.tokensPerSecond" meter="tps" />
      <Readout label="meters.tokens" meter="tokens" />
      <Readout label="meters.promptTokens" meter="prompt-tokens" />
      <Readout label="meters.reasoningTokens" meter="reasoning-tokens" />
      <Readout label="meters.cachedPrompt" meter="cached-prompt" />
      <Readout label="meters.serverPrompt" meter="server-prompt" />
      <Readout label="meters.serverGeneration" meter="server-generation" />
      <Readout label="meters.server" meter="server" />
    </div>
  );
}
