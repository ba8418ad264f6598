import type { Settings } from '../../shared/settings';
import { en, type Dictionary, type MessageKey } from './en';
import { zhCN } from './zh-CN';

// Pure translation (no React, no stores): usable from formatters, stores and Node unit tests.

export type Language = Settings['language'];
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const dictionaries: Record<Language, Dictionary> = { en, 'zh-CN': zhCN };

/** Fills {name} placeholders; a missing value leaves the placeholder visible so the gap is noticed. */
export function translate(language: Language, key: MessageKey, values?: Record<string, string | number>): string {
  const template = dictionaries[language][key];
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}
