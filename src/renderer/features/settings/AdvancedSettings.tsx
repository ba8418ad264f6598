import { useT } from '../../i18n';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { useWorkspaceStore } from '../../stores/workspace/store';
import { SettingRow, SettingsCard } from './controls';

export function AdvancedSettings() {
  const t = useT();
  const info = useWorkspaceStore((s) => s.info);
  const localApi = useSettingsStore((s) => s.settings!.localApiEnabled);
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
      </SettingsCard>
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
