import { describe, expect, it } from 'vitest';
import { en } from '../../../src/renderer/i18n/en';
import { zhCN } from '../../../src/renderer/i18n/zh-CN';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
// Strings that are the same in both languages on purpose: the product name, key names, format-only templates.
const sameInBoth = new Set(['app.name', 'chat.assistant', 'chat.stopHint', 'library.quickLabel']);

describe('translations', () => {
  it('have exactly the same keys in English and Simplified Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('keep every {placeholder} of the English string', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
  });

  it('translate every user-visible string (no English left in the Chinese dictionary)', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zhCN[key].trim(), key).not.toBe('');
      if (!sameInBoth.has(key)) expect(zhCN[key], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
