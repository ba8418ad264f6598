import { useEffect, useMemo } from 'react';
import { useT } from '../../i18n';
import { healthSeries } from '../../stores/health/series';
import { followHealth, useHealthStore } from '../../stores/health/store';
import { useSettingsStore } from '../../stores/settings/store';
import { HealthChart } from './HealthChart';
import './health-view.css';

/** The last hour of answering: latency, throughput, errors and fallbacks against the alert thresholds from Settings. */
export function HealthView() {
  const t = useT();
  const window = useHealthStore((s) => s.window);
  const error = useHealthStore((s) => s.error);
  const alerts = useHealthStore((s) => s.alerts);
  const thresholds = useSettingsStore((s) => s.settings?.healthThresholds);
  const series = useMemo(() => (window ? healthSeries(window) : null), [window]);

  useEffect(() => followHealth(), []);

  const recorded = window?.events.length ?? 0;
  return (
    <section className="page health-view" aria-labelledby="health-title" data-testid="health-view">
      <header>
        <h1 id="health-title">{t('health.title')}</h1>
        <p className="muted">{t('health.subtitle')}</p>
      </header>
      {error && <p className="error-text">{error}</p>}
      {alerts.length > 0 && (
        <ul className="health-alerts" data-testid="health-alerts">
          {alerts.map((alert) => (
            <li key={alert.id} className="banner">
              {alert.message}
            </li>
          ))}
        </ul>
      )}
      {series && thresholds && (
        <>
          <p className="faint" data-testid="health-recorded">
            {recorded ? t('health.recorded', { n: recorded }) : t('health.empty')}
          </p>
          <div className="health-charts">
            <HealthChart
              testId="health-chart-ttft"
              title={t('health.ttft')}
              axis={t('health.axisMs')}
              x={series.x}
              lines={[
                { label: 'p50', values: series.ttftP50Ms, color: '--chart-emulated' },
                { label: 'p95', values: series.ttftP95Ms, color: '--chart-wall' },
              ]}
              threshold={{ label: t('health.threshold'), value: thresholds.ttftP95Ms }}
            />
            <HealthChart
              testId="health-chart-tokens"
              title={t('health.tokensPerSecond')}
              axis={t('health.axisTokensPerSecond')}
              x={series.x}
              lines={[{ label: t('health.median'), values: series.tokensPerSecond, color: '--chart-emulated' }]}
            />
            <HealthChart
              testId="health-chart-interval"
              title={t('health.tokenInterval')}
              axis={t('health.axisMs')}
              x={series.x}
              lines={[{ label: 'p95', values: series.tokenIntervalP95Ms, color: '--chart-wall' }]}
              threshold={{ label: t('health.threshold'), value: thresholds.tokenIntervalP95Ms }}
            />
            <HealthChart
              testId="health-chart-errors"
              title={t('health.errors')}
              axis={t('health.axisPercent')}
              x={series.x}
              lines={[
                { label: t('health.errorRate'), values: series.errorRatePct, color: '--danger' },
                { label: t('health.fallbacks'), values: series.fallbacks, color: '--warn', points: true },
              ]}
              threshold={{ label: t('health.threshold'), value: thresholds.errorRatePct }}
            />
          </div>
        </>
      )}
    </section>
  );
}

/** The Health item's badge: how many alerts are open. */
export function HealthBadge() {
  const t = useT();
  const count = useHealthStore((s) => s.alerts.length);
  if (count === 0) return null;
  return (
    <span className="nav-badge" title={t('health.alerts', { n: count })} data-testid="health-badge">
      {count}
    </span>
  );
}
