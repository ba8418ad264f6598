import { describe, expect, it } from 'vitest';
import { noticeText } from '../../../src/renderer/features/chat/noticeText';
import { translate } from '../../../src/renderer/i18n/translate';
import { draftMessage, foldChatEvent } from '../../../src/renderer/stores/chat/reducer';
import { searchNoticeReason, type SearchNoticeReason } from '../../../src/shared/contract/search';

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

// Keywords-only search has several causes; the notice carries its reason, and each reason has its own sentence.
describe('keyword-only notice by reason', () => {
  const zh: Record<SearchNoticeReason, string> = {
    no_embedder: '未安装向量模型，因此仅按关键词检索。在“设置 → 模型”中安装向量模型即可按语义检索。',
    embedder_failed: '向量模型处理这个问题时出错，本次结果仅按关键词检索。详情见日志。',
    index_building: '语义索引仍在构建中，完成前仅按关键词检索。',
    index_model_missing: '构建语义索引的向量模型未安装，因此仅按关键词检索。请重新安装该模型或选择其他模型。',
    index_changed: '检索期间语义索引发生了变化，本次结果仅按关键词检索。请重新检索。',
    reindexing: '正在用另一个向量模型重建文档库索引，完成前检索仍使用之前的索引。',
    reindex_failed: '用另一个向量模型重建索引已停止，检索继续使用之前的索引。',
  };
  const say = (language: 'en' | 'zh-CN', notice: Parameters<typeof noticeText>[0]) => noticeText(notice, language, (key, values) => translate(language, key, values));

  it('says the sentence of its reason in Chinese, and the server sentence (or the same reason) in English', () => {
    expect(Object.keys(zh).sort()).toEqual([...searchNoticeReason.options].sort());
    const english = new Set<string>();
    for (const reason of searchNoticeReason.options) {
      // Folded from the stream event as the chat view does, so the reason survives the reducer.
      const message = foldChatEvent(draftMessage(1, 'assistant'), { type: 'notice', kind: 'keyword_only', message: `server sentence for ${reason}`, reason });
      const [notice] = message.notices;
      expect(say('zh-CN', notice!)).toBe(zh[reason]);
      expect(say('en', notice!)).toBe(`server sentence for ${reason}`);
      english.add(say('en', { ...notice!, message: '' }));
    }
    expect(english.size).toBe(searchNoticeReason.options.length);
    // A notice stored before reasons were kept had one cause: no embedding model.
    expect(say('zh-CN', { kind: 'keyword_only', message: 'x' })).toBe(zh.no_embedder);
  });
});
