import { describe, expect, it } from 'vitest';
import { quickActionLabel, quickActionMessages, translationTarget } from '../../../src/main/chat/quick-actions';

describe('quick action templates', () => {
  it('translates Chinese documents into English and everything else into Chinese', () => {
    expect(translationTarget('维护者指南：如何上传软件包到仓库。')).toBe('en');
    expect(translationTarget('The maintainer guide explains uploads. 中文')).toBe('zh');
    expect(quickActionLabel('translate', 'Guide', 'zh')).toBe('Translate “Guide” into Chinese');
  });

  it('keeps the same token prefix for every document so the prefix cache can reuse it', () => {
    const a = quickActionMessages('summarize', '[1] A, p. 1\nalpha', 'zh');
    const b = quickActionMessages('summarize', '[1] B, p. 9\nbeta', 'zh');
    expect(a[0]).toEqual(b[0]);
    const shared = 'Document:\n\n[1] ';
    expect(a[1].content.startsWith(shared) && b[1].content.startsWith(shared)).toBe(true);
    expect(a[1].content.endsWith('\n\nSummarize.')).toBe(true);
    expect(quickActionMessages('translate', 'x', 'en')[1].content.endsWith('Translate into English.')).toBe(true);
    expect(quickActionMessages('key_points', 'x', 'zh')[0].content).not.toBe(a[0].content);
  });
});
