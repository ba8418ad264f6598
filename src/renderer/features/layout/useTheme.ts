import { useEffect } from 'react';
import { useSettingsStore } from '../../stores/settings/store';

/** Resolves light/dark/system to one theme on <html data-theme>, following the OS while on "system". */
export function useTheme(): void {
  const theme = useSettingsStore((s) => s.settings?.theme ?? 'system');
  const language = useSettingsStore((s) => s.settings?.language ?? 'en');
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (query.matches ? 'dark' : 'light') : theme;
    };
    apply();
    query.addEventListener('change', apply);
    return () => query.removeEventListener('change', apply);
  }, [theme]);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
}
