import { describe, expect, it } from 'vitest';
import { noticeText } from '../../../src/renderer/features/chat/noticeText';
import { translate } from '../../../src/renderer/i18n/translate';

// The length-limit notice names the limit in either language.
describe('length limit notice', () => {
  const notice = { kind: 'length_limit' as const, limit: 512, message: 'Stopped at the 512-token answer limit. Ask it to continue, or raise the limit in Settings → Answers.' };
  it('keeps the server sentence in English and says it in Chinese with the same limit', () => {
    expect(noticeText(notice, 'en', (key, values) => translate('en', key, values))).toBe(notice.message);
    expect(noticeText(notice, 'zh-CN', (key, values) => translate('zh-CN', key, values))).toBe('回答在 512 个词元的上限处停止。可以让它继续，或在“设置 → 回答”中提高上限。');
    expect(noticeText({ ...notice, message: '' }, 'en', (key, values) => translate('en', key, values))).toBe(notice.message);
  });
});

// The keyword-only notice says what to do in either language, with no brackets nested in brackets.
describe('keyword-only notice', () => {
  it('tells the user where to install an embedding model, in English and in Chinese', () => {
    const notice = { kind: 'keyword_only' as const, message: '' };
    const en = noticeText(notice, 'en', (key, values) => translate('en', key, values));
    const zh = noticeText(notice, 'zh-CN', (key, values) => translate('zh-CN', key, values));
    expect(en).toBe('No embedding model is installed, so search uses keywords only. Install one under Settings → Models for semantic search.');
    expect(zh).toBe('未安装向量模型，因此仅按关键词检索。在“设置 → 模型”中安装向量模型即可按语义检索。');
    for (const text of [en, zh]) expect(text).not.toMatch(/[(（][^)）]*[(（]/);
  });
});
