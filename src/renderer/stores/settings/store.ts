import { create } from 'zustand';
import type { Settings, SettingsPatch } from '../../../shared/settings';
import { client } from '../../ipc/client';
import { errorMessage } from '../../ipc/errors';

interface SettingsState {
  settings: Settings | null;
  error: string | null;
}

export const useSettingsStore = create<SettingsState>()(() => ({ settings: null, error: null }));

/** Follows settings from main (this window, other windows, the CLI); the store mirrors the latest value. */
export function watchSettings(): () => void {
  const handle = client.settings.watch({}, (settings) => useSettingsStore.setState({ settings, error: null }));
  handle.done.catch((error) => useSettingsStore.setState({ error: errorMessage(error) }));
  return handle.cancel;
}

export async function updateSettings(patch: SettingsPatch): Promise<void> {
  const previous = useSettingsStore.getState().settings;
  // Optimistic: theme and language switch instantly; the watch stream confirms.
  if (previous) useSettingsStore.setState({ settings: { ...previous, ...patch } });
  try {
    useSettingsStore.setState({ settings: await client.settings.update(patch), error: null });
  } catch (error) {
    useSettingsStore.setState({ settings: previous, error: errorMessage(error) });
  }
}
