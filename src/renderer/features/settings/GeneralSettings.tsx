import { useT } from '../../i18n';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { Segmented, SettingRow, SettingsCard } from './controls';

export function GeneralSettings() {
  const t = useT();
  const language = useSettingsStore((s) => s.settings!.language);
  const theme = useSettingsStore((s) => s.settings!.theme);
  return (
    <SettingsCard title={t('settings.general')}>
      <SettingRow label={t('settings.language')} htmlFor="setting-language">
        <select id="setting-language" value={language} onChange={(e) => void updateSettings({ language: e.target.value as typeof language })} data-testid="language-select">
          <option value="en">English</option>
          <option value="zh-CN">简体中文</option>
        </select>
      </SettingRow>
      <SettingRow label={t('settings.theme')}>
        <Segmented
          label={t('settings.theme')}
          value={theme}
          onChange={(value) => void updateSettings({ theme: value })}
          options={[
            { value: 'light', label: t('settings.theme.light') },
            { value: 'dark', label: t('settings.theme.dark') },
            { value: 'system', label: t('settings.theme.system') },
          ]}
        />
      </SettingRow>
    </SettingsCard>
  );
}
