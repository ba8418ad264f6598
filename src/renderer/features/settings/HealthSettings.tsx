import type { Settings } from '../../../shared/settings';
import { useT } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { SettingRow, SettingsCard } from './controls';

type Thresholds = Settings['healthThresholds'];

const FIELDS: { key: keyof Thresholds; label: MessageKey; min: number; max: number; step: number }[] = [
  { key: 'ttftP95Ms', label: 'settings.health.ttft', min: 100, max: 600_000, step: 100 },
  { key: 'tokenIntervalP95Ms', label: 'settings.health.tokenInterval', min: 1, max: 60_000, step: 10 },
  { key: 'errorRatePct', label: 'settings.health.errorRate', min: 0, max: 100, step: 1 },
  { key: 'errorWindowMin', label: 'settings.health.errorWindow', min: 1, max: 60, step: 1 },
  { key: 'workerCrashes', label: 'settings.health.workerCrashes', min: 1, max: 100, step: 1 },
];

/** The health thresholds that raise alerts and step the answering chain down, and the quiet period before it climbs back. */
export function HealthSettings() {
  const t = useT();
  const thresholds = useSettingsStore((s) => s.settings!.healthThresholds);
  const quietMin = useSettingsStore((s) => s.settings!.degradationQuietMin);
  // Out-of-range or half-typed numbers are not saved; the field shows the saved value again on blur.
  const save = (key: keyof Thresholds, raw: string, min: number, max: number) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) return;
    void updateSettings({ healthThresholds: { ...thresholds, [key]: key === 'errorRatePct' ? value : Math.round(value) } });
  };
  return (
    <SettingsCard title={t('settings.health')}>
      <p className="muted">{t('settings.health.help')}</p>
      {FIELDS.map(({ key, label, min, max, step }) => (
        <SettingRow key={key} label={t(label)} htmlFor={`setting-health-${key}`}>
          <input
            id={`setting-health-${key}`}
            type="number"
            min={min}
            max={max}
            step={step}
            defaultValue={thresholds[key]}
            key={thresholds[key]}
            onBlur={(e) => save(key, e.target.value, min, max)}
            data-testid={`health-${key}`}
          />
        </SettingRow>
      ))}
      <SettingRow label={t('settings.health.quiet')} htmlFor="setting-health-quiet">
        <input
          id="setting-health-quiet"
          type="number"
          min={1}
          max={240}
          defaultValue={quietMin}
          key={quietMin}
          onBlur={(e) => {
            const value = Math.round(Number(e.target.value));
            if (value >= 1 && value <= 240) void updateSettings({ degradationQuietMin: value });
          }}
          data-testid="health-quiet"
        />
      </SettingRow>
    </SettingsCard>
  );
}
