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
    // The whole object goes back: settingsPatchSchema currently fills omitted keys with defaults (zod 4 applies
    // defaults inside .partial()), so a bare patch would reset every other setting.
    useSettingsStore.setState({ settings: await client.settings.update({ ...previous, ...patch }), error: null });
  } catch (error) {
    useSettingsStore.setState({ settings: previous, error: errorMessage(error) });
  }
}

/** Puts back settings that a main-process write reset to defaults, keeping the keys that write meant to change. */
export async function restoreSettings(before: Settings | null, changed: SettingsPatch): Promise<void> {
  if (!before) return;
  try {
    useSettingsStore.setState({ settings: await client.settings.update({ ...before, ...changed }) });
  } catch (error) {
    useSettingsStore.setState({ error: errorMessage(error) });
  }
}
