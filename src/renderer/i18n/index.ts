import { useCallback } from 'react';
import type { Settings } from '../../shared/settings';
import { useSettingsStore } from '../stores/settings/store';
import { en, type Dictionary, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Language = Settings['language'];
export type { MessageKey };
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const dictionaries: Record<Language, Dictionary> = { en, 'zh-CN': zhCN };

/** Fills {name} placeholders; a missing value leaves the placeholder visible so the gap is noticed. */
export function translate(language: Language, key: MessageKey, values?: Record<string, string | number>): string {
  const template = dictionaries[language][key];
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}

export function useLanguage(): Language {
  return useSettingsStore((s) => s.settings?.language ?? 'en');
}

export function useT(): Translate {
  const language = useLanguage();
  return useCallback<Translate>((key, values) => translate(language, key, values), [language]);
}

/** For stores and other non-React code: translates in the language currently set. */
export const translateNow: Translate = (key, values) => translate(useSettingsStore.getState().settings?.language ?? 'en', key, values);
