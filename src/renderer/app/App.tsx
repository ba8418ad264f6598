import { useEffect } from 'react';
import { useT } from '../i18n';
import { ChatView } from '../features/chat/ChatView';
import { ConfirmDialog } from '../features/layout/ConfirmDialog';
import { ErrorBoundary } from '../features/layout/ErrorBoundary';
import { FilePicker } from '../features/layout/FilePicker';
import { Sidebar } from '../features/layout/Sidebar';
import { TextPromptDialog } from '../features/layout/TextPromptDialog';
import { Toast } from '../features/layout/Toast';
import { DegradationAlerts } from '../features/health/DegradationAlerts';
import { useShortcuts } from '../features/layout/useShortcuts';
import { useTheme } from '../features/layout/useTheme';
import { DropOverlay } from '../features/library/DropOverlay';
import { LibraryView } from '../features/library/LibraryView';
import { HealthView } from '../features/health/HealthView';
import { ScheduleView } from '../features/schedule/ScheduleView';
import { Welcome } from '../features/onboarding/Welcome';
import { SearchView } from '../features/search/SearchView';
import { SettingsView } from '../features/settings/SettingsView';
import { ViewerPanel } from '../features/viewer/ViewerPanel';
import { startLibrary } from '../stores/library/store';
import { loadModels } from '../stores/models/store';
import { useSettingsStore, watchSettings } from '../stores/settings/store';
import { useUiStore } from '../stores/ui/store';
import { loadWorkspaces, useWorkspaceStore } from '../stores/workspace/store';
import './app.css';

export function App() {
  const t = useT();
  const ready = useSettingsStore((s) => s.settings !== null);
  const settingsError = useSettingsStore((s) => s.error);
  const workspaceError = useWorkspaceStore((s) => s.error);
  const connectionError = settingsError ?? workspaceError;
  const view = useUiStore((s) => s.view);
  // The viewer belongs to the chat: it stays open in the background while the library or settings are shown.
  const viewerOpen = useUiStore((s) => s.viewerSource !== null && s.view === 'chat');
  useTheme();
  useShortcuts();

  useEffect(() => {
    const stopSettings = watchSettings();
    const stopLibrary = startLibrary();
    void loadWorkspaces();
    void loadModels();
    return () => {
      stopSettings();
      stopLibrary();
    };
  }, []);

  if (!ready) {
    return (
      <div className="splash" role="status">
        {connectionError ? <p className="error-text">{connectionError}</p> : <p className="muted">{t('app.connecting')}</p>}
      </div>
    );
  }
  return (
    <div className={`app ${viewerOpen ? 'with-viewer' : ''}`} data-testid="app">
      <Sidebar />
      <main className="main" data-view={view}>
        <ErrorBoundary key={view}>
          {view === 'chat' && <ChatView />}
          {view === 'search' && <SearchView />}
          {view === 'library' && <LibraryView />}
          {view === 'schedule' && <ScheduleView />}
          {view === 'health' && <HealthView />}
          {view === 'settings' && <SettingsView />}
        </ErrorBoundary>
      </main>
      {viewerOpen && (
        <ErrorBoundary>
          <ViewerPanel />
        </ErrorBoundary>
      )}
      <DropOverlay />
      <Welcome />
      <TextPromptDialog />
      <ConfirmDialog />
      <FilePicker />
      <DegradationAlerts />
      <Toast />
    </div>
  );
}
