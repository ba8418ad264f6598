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
