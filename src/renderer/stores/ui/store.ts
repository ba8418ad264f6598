import { create } from 'zustand';
import type { AnswerSource } from '../../../shared/contract/chat';
import { errorMessage } from '../../ipc/errors';

export type View = 'chat' | 'search' | 'library' | 'schedule' | 'health' | 'settings';
export type SettingsSection = 'general' | 'answers' | 'models' | 'library' | 'connections' | 'advanced';

interface UiState {
  view: View;
  settingsSection: SettingsSection;
  metersOpen: boolean;
  /** In a compact window the meters are a drawer over the chat, closed until asked for. */
  metersDrawerOpen: boolean;
  /** The message a search hit opened: scrolled into view and marked until another is chosen. */
  shownMessageId: number | null;
  /** The citation open in the viewer, if any. */
  viewerSource: AnswerSource | null;
  toast: string | null;
  /** An open "type a name" dialog (Electron has no window.prompt). */
  textPrompt: { title: string; value: string; resolve(value: string | null): void } | null;
  /** An open "are you sure" dialog (the app's own, not window.confirm). */
  confirmation: { message: string; action: string; resolve(confirmed: boolean): void } | null;
}

export const useUiStore = create<UiState>()(() => ({
  view: 'chat',
  settingsSection: 'general',
  metersOpen: true,
  metersDrawerOpen: false,
  shownMessageId: null,
  viewerSource: null,
  toast: null,
  textPrompt: null,
  confirmation: null,
}));

/** Asks before something that cannot be undone; resolves true when the user picks `action`. */
export function askConfirm(message: string, action: string): Promise<boolean> {
  return new Promise((resolve) =>
    useUiStore.setState({
      confirmation: {
        message,
        action,
        resolve: (confirmed) => {
          useUiStore.setState({ confirmation: null });
          resolve(confirmed);
        },
      },
    }),
  );
}

/** Asks for one line of text in a dialog; resolves null when cancelled. */
export function askText(title: string, value: string): Promise<string | null> {
  return new Promise((resolve) =>
    useUiStore.setState({
      textPrompt: {
        title,
        value,
        resolve: (answer) => {
          useUiStore.setState({ textPrompt: null });
          resolve(answer);
        },
      },
    }),
  );
}

export const showView = (view: View) => useUiStore.setState({ view });
/** Shows the chat at one message (a search hit); null shows the thread from its end. */
export const showMessage = (shownMessageId: number | null) => useUiStore.setState({ view: 'chat', shownMessageId });
export const openSettings = (settingsSection: SettingsSection) => useUiStore.setState({ view: 'settings', settingsSection });
export const toggleMeters = () => useUiStore.setState((s) => ({ metersOpen: !s.metersOpen }));
export const toggleMetersDrawer = () => useUiStore.setState((s) => ({ metersDrawerOpen: !s.metersDrawerOpen }));
export const closeMetersDrawer = () => useUiStore.setState({ metersDrawerOpen: false });
// The citation chip or source that opened the viewer: focus goes back there when the viewer closes.
let viewerOpener: HTMLElement | null = null;

export function openSource(viewerSource: AnswerSource, opener?: HTMLElement): void {
  viewerOpener = opener ?? null;
  useUiStore.setState({ viewerSource });
}
export const closeViewer = () => useUiStore.setState({ viewerSource: null });

/** Called once the viewer has left the page; an opener that went with the chat (new thread, other view) is skipped. */
export function returnFocusToOpener(): void {
  const opener = viewerOpener;
  viewerOpener = null;
  if (opener?.isConnected) opener.focus();
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
/** A short confirmation or error line at the bottom of the window. */
export function showToast(toast: string) {
  clearTimeout(toastTimer);
  useUiStore.setState({ toast });
  toastTimer = setTimeout(() => useUiStore.setState({ toast: null }), 5000);
}

/** Runs one user action; a failure becomes a toast with the server's sentence. */
export async function withToast(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    showToast(errorMessage(error));
  }
}
