import { useT } from '../../i18n';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import { SettingRow, SettingsCard } from './controls';
import { HealthSettings } from './HealthSettings';

export function AdvancedSettings() {
  const t = useT();
  const info = useWorkspaceStore((s) => s.info);
  const localApi = useSettingsStore((s) => s.settings!.localApiEnabled);
  const metrics = useSettingsStore((s) => s.settings!.metricsEnabled);
  const kvCacheMb = useSettingsStore((s) => s.settings!.lpuPrefixCacheMb);
  return (
    <>
      <SettingsCard title={t('settings.advanced')}>
        <SettingRow label={t('settings.dataDir')}>
          <code className="path" data-testid="data-dir">
            {info?.dataDir ?? '—'}
          </code>
        </SettingRow>
        <SettingRow label={t('settings.localApi')} help={t('settings.localApi.help')} htmlFor="setting-local-api">
          <input id="setting-local-api" type="checkbox" role="switch" checked={localApi} onChange={(e) => void updateSettings({ localApiEnabled: e.target.checked })} />
        </SettingRow>
        <SettingRow label={t('settings.metrics')} help={t('settings.metrics.help')} htmlFor="setting-metrics">
          <input id="setting-metrics" type="checkbox" role="switch" checked={metrics} onChange={(e) => void updateSettings({ metricsEnabled: e.target.checked })} />
        </SettingRow>
        <SettingRow label={t('settings.kvCache')} help={t('settings.kvCache.help')} htmlFor="setting-kv-cache">
          <div className="range-control">
            <input id="setting-kv-cache" type="range" min={0} max={2048} step={64} value={kvCacheMb} onChange={(e) => void updateSettings({ lpuPrefixCacheMb: Number(e.target.value) })} />
            <output htmlFor="setting-kv-cache">{kvCacheMb}</output>
          </div>
        </SettingRow>
      </SettingsCard>
      <HealthSettings />
      <SettingsCard title={t('settings.about')}>
        <SettingRow label={t('settings.version')}>
          <span>
            {info ? `${info.app.name} ${info.app.version}` : '—'}
          </span>
        </SettingRow>
        <SettingRow label="SQLite">
          <code>{info?.sqlite ?? '—'}</code>
        </SettingRow>
        <SettingRow label="sqlite-vec">
          <code>{info?.sqliteVec ?? '—'}</code>
        </SettingRow>
        <SettingRow label="Node.js">
          <code>{info?.node ?? '—'}</code>
        </SettingRow>
      </SettingsCard>
    </>
  );
}
