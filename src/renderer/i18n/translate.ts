import type { Settings } from '../../shared/settings';
import { en, type Dictionary, type MessageKey } from './en';
import { zhCN } from './zh-CN';

// Pure translation (no React, no stores): usable from formatters, stores and Node unit tests.

export type Language = Settings['language'];
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const dictionaries: Record<Language, Dictionary> = { en, 'zh-CN': zhCN };

const pluralRules = new Map<Language, Intl.PluralRules>();
// `{n, plural, one {# page} other {# pages}}`: the ICU plural subset, forms picked by Intl.PluralRules.
const PLURAL = /\{(\w+), plural,((?:\s*\w+\s*\{[^{}]*\})+)\s*\}/g;
const FORM = /(\w+)\s*\{([^{}]*)\}/g;

function pluralForm(language: Language, count: number, forms: string): string | null {
  const rules = pluralRules.get(language) ?? new Intl.PluralRules(language);
  pluralRules.set(language, rules);
  const byCategory = new Map([...forms.matchAll(FORM)].map((m) => [m[1], m[2]]));
  const form = byCategory.get(rules.select(count)) ?? byCategory.get('other');
  return form === undefined ? null : form.replace(/#/g, count.toLocaleString(language));
}

/** Fills {name} placeholders and {n, plural, …} forms; a missing value leaves the placeholder visible so the gap is noticed. */
export function translate(language: Language, key: MessageKey, values?: Record<string, string | number>): string {
  const template = dictionaries[language][key];
  if (!values) return template;
  return template
    .replace(PLURAL, (match, name: string, forms: string) => {
      const count = typeof values[name] === 'number' ? values[name] : Number(String(values[name]).replace(/[,\s]/g, ''));
      return name in values && Number.isFinite(count) ? (pluralForm(language, count, forms) ?? match) : match;
    })
    .replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}
