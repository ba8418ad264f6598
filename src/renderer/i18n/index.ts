import { useCallback } from 'react';
import { useSettingsStore } from '../stores/settings/store';
import type { MessageKey } from './en';
import { translate, type Language, type Translate } from './translate';

export type { Language, MessageKey, Translate };
export { translate };

export function useLanguage(): Language {
  return useSettingsStore((s) => s.settings?.language ?? 'en');
}

export function useT(): Translate {
  const language = useLanguage();
  return useCallback<Translate>((key, values) => translate(language, key, values), [language]);
}

/** For stores and other non-React code: translates in the language currently set. */
export const translateNow: Translate = (key, values) => translate(useSettingsStore.getState().settings?.language ?? 'en', key, values);
