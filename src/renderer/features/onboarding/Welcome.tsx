import { useEffect, useRef } from 'react';
import { useT } from '../../i18n';
import { updateSettings, useSettingsStore } from '../../stores/settings/store';
import { openSettings, type SettingsSection } from '../../stores/ui/store';
import { Icon } from '../layout/icons';
import './welcome.css';

/** First run: what works offline right now, and the two ways to get better answers. */
export function Welcome() {
  const t = useT();
  const onboarded = useSettingsStore((s) => s.settings?.onboarded ?? true);
  const start = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    start.current?.focus();
  }, [onboarded]);
  if (onboarded) return null;
  const finish = (section?: SettingsSection) => {
    void updateSettings({ onboarded: true });
    if (section) openSettings(section);
  };
  return (
    <div className="dialog-backdrop">
      <div className="dialog welcome" role="dialog" aria-modal="true" aria-labelledby="welcome-title" data-testid="welcome" onKeyDown={(e) => e.key === 'Escape' && finish()}>
        <div className="welcome-mark" aria-hidden="true">
          <Icon name="bolt" size={22} />
        </div>
        <h1 id="welcome-title">{t('onboarding.title')}</h1>
        <p className="muted">{t('onboarding.body')}</p>
        <ul className="welcome-list">
          <li>{t('onboarding.keyword')}</li>
          <li>{t('onboarding.extractive')}</li>
          <li>{t('onboarding.lpu')}</li>
        </ul>
        <p className="muted">{t('onboarding.more')}</p>
        <div className="dialog-actions welcome-actions">
          <button className="button" onClick={() => finish('models')}>
            <Icon name="download" size={14} />
            {t('onboarding.installModels')}
          </button>
          <button className="button" onClick={() => finish('answers')}>
            <Icon name="cloud" size={14} />
            {t('onboarding.groqKey')}
          </button>
          <button ref={start} className="button primary" onClick={() => finish()} data-testid="welcome-start">
            {t('onboarding.start')}
          </button>
        </div>
      </div>
    </div>
  );
}
