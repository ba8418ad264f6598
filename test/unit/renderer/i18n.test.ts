import { describe, expect, it } from 'vitest';
import { en } from '../../../src/renderer/i18n/en';
import { translate } from '../../../src/renderer/i18n/translate';
import { zhCN } from '../../../src/renderer/i18n/zh-CN';

// Plain {name} placeholders and the variable of each {name, plural, …} form.
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((m) => m[1]))].sort();
// Strings that are the same in both languages on purpose: the product name, key names, format-only templates, the acronym OCR.
// Product names read the same in Chinese.
const productNames = ['connections.client.claude-desktop', 'connections.client.vscode', 'connections.client.cursor'];
const sameInBoth = new Set(['app.name', 'chat.assistant', 'chat.stopHint', 'library.quickLabel', 'library.ocr', ...productNames]);

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
      if (sameInBoth.has(key)) continue;
      expect(zhCN[key], key).toMatch(/[\u4e00-\u9fff]/);
      expect(zhCN[key], key).not.toBe(en[key]);
    }
  });

  it('say every Settings string in Chinese', () => {
    const settingsKeys = (Object.keys(en) as (keyof typeof en)[]).filter((key) => /^(settings|models|embedding|groq|language|theme)\./.test(key));
    expect(settingsKeys.length).toBeGreaterThan(20);
    for (const key of settingsKeys) expect(zhCN[key], key).toMatch(/[\u4e00-\u9fff]/);
  });

  it('pick plural forms with Intl.PluralRules in both languages', () => {
    expect(translate('en', 'library.chunks', { n: 1 })).toBe('1 passage');
    expect(translate('en', 'library.chunks', { n: 2 })).toBe('2 passages');
    expect(translate('en', 'library.chunks', { n: 0 })).toBe('0 passages');
    expect(translate('en', 'library.pages', { n: 1 })).toBe('1 page');
    expect(translate('en', 'library.pages', { n: 14 })).toBe('14 pages');
    expect(translate('en', 'library.confirmDelete', { n: 1 })).toBe('Delete this document from the library? The files on disk are not touched.');
    expect(translate('en', 'library.confirmDelete', { n: 3 })).toBe('Delete 3 documents from the library? The files on disk are not touched.');
    expect(translate('en', 'chat.reasoning.tokens', { n: '1,234' })).toBe('1,234 tokens');
    expect(translate('en', 'notice.contextTrimmed', { used: 1, total: 1, model: 'm' })).toBe("1 of 1 source fit m's context window.");
    expect(translate('zh-CN', 'library.chunks', { n: 1 })).toBe('1 个段落');
    expect(translate('zh-CN', 'library.chunks', { n: 2 })).toBe('2 个段落');
    // A missing count leaves the placeholder visible, as for plain placeholders.
    expect(translate('en', 'library.chunks', { m: 2 })).toBe('{n, plural, one {# passage} other {# passages}}');
  });
});
