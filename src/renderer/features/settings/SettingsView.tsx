import { useT, type MessageKey } from '../../i18n';
import { openSettings, useUiStore, type SettingsSection } from '../../stores/ui/store';
import { AdvancedSettings } from './AdvancedSettings';
import { AnswerSettings } from './AnswerSettings';
import { ConnectionsSettings } from './ConnectionsSettings';
import { GeneralSettings } from './GeneralSettings';
import { LibrarySettings } from './LibrarySettings';
import { ModelManager } from './ModelManager';
import './settings.css';

const sections: { id: SettingsSection; label: MessageKey }[] = [
  { id: 'general', label: 'settings.general' },
  { id: 'answers', label: 'settings.providers' },
  { id: 'models', label: 'settings.models' },
  { id: 'library', label: 'settings.library' },
  { id: 'connections', label: 'settings.connections' },
  { id: 'advanced', label: 'settings.advanced' },
];

export function SettingsView() {
  const t = useT();
  const section = useUiStore((s) => s.settingsSection);
  return (
    <div className="settings">
      <header className="view-header">
        <h1>{t('settings.title')}</h1>
      </header>
      <div className="settings-body">
        <nav className="settings-nav" aria-label={t('settings.title')}>
          {sections.map(({ id, label }) => (
            <button key={id} aria-current={section === id ? 'page' : undefined} onClick={() => openSettings(id)} data-testid={`settings-${id}`}>
              {t(label)}
            </button>
          ))}
        </nav>
        <div className="settings-content">
          {section === 'general' && <GeneralSettings />}
          {section === 'answers' && <AnswerSettings />}
          {section === 'models' && <ModelManager />}
          {section === 'library' && <LibrarySettings />}
          {section === 'connections' && <ConnectionsSettings />}
          {section === 'advanced' && <AdvancedSettings />}
        </div>
      </div>
    </div>
  );
}
