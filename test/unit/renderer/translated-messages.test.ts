import { describe, expect, it } from 'vitest';
import { noticeText } from '../../../src/renderer/features/chat/noticeText';
import { documentErrorText } from '../../../src/renderer/features/library/documentError';
import { translate, type Language, type Translate } from '../../../src/renderer/i18n/translate';

const tFor = (language: Language): Translate => (key, values) => translate(language, key, values);
const zh = tFor('zh-CN');
const en = tFor('en');

describe('noticeText', () => {
  it('keeps the server sentence in English', () => {
    expect(noticeText({ kind: 'context_trimmed', message: '3 of 8 passages fit m.', used: 3, total: 8, model: 'm' }, 'en', en)).toBe('3 of 8 passages fit m.');
  });

  it('translates from the structured fields in Chinese', () => {
    expect(noticeText({ kind: 'context_trimmed', message: 'x', used: 3, total: 8, model: 'llama' }, 'zh-CN', zh)).toBe('llama 的上下文窗口只能容纳 8 段来源中的 3 段。');
    expect(noticeText({ kind: 'follow_up', message: 'Searched for: trace trees', query: 'trace trees' }, 'zh-CN', zh)).toBe('实际检索的内容：trace trees');
    expect(noticeText({ kind: 'fallback', message: 'x', fallbackTo: 'extractive' }, 'zh-CN', zh)).toBe(translate('zh-CN', 'notice.fallbackExtractive'));
    expect(noticeText({ kind: 'fallback', message: 'x', fallbackTo: 'lpu' }, 'zh-CN', zh)).toBe(translate('zh-CN', 'notice.fallback'));
    expect(noticeText({ kind: 'rate_limited', message: 'wait', secondsLeft: 4 }, 'zh-CN', zh)).toBe('Groq 正在限流，4 秒后重试。');
  });

  it('translates the Groq notices: a replaced model, a request over the token limit, passages cut to the limit', () => {
    expect(noticeText({ kind: 'model_replaced', message: 'x', previousModel: 'llama-3.1-8b-instant', model: 'openai/gpt-oss-20b' }, 'zh-CN', zh)).toBe(
      'Groq 已不再提供 llama-3.1-8b-instant，因此改由 openai/gpt-oss-20b 回答，并已将其设为您的 Groq 模型。',
    );
    expect(noticeText({ kind: 'request_too_large', message: 'x', limit: 6000, model: 'qwen/qwen3-32b' }, 'zh-CN', zh)).toBe(
      '问题及其段落超出了此 Groq 密钥在 qwen/qwen3-32b 上每分钟 6000 个词元的限额；正在用更少的段落重新提问。',
    );
    expect(noticeText({ kind: 'context_trimmed', message: 'x', used: 3, total: 8, model: 'm', limit: 5100 }, 'zh-CN', zh)).toBe('此 Groq 密钥在 m 上的每分钟词元限额只能容纳 8 段来源中的 3 段。');
  });

  it('falls back to the server sentence when the fields a translation needs are missing', () => {
    expect(noticeText({ kind: 'context_trimmed', message: '3 of 8 passages fit m.' }, 'zh-CN', zh)).toBe('3 of 8 passages fit m.');
    expect(noticeText({ kind: 'follow_up', message: 'Searched for: x' }, 'zh-CN', zh)).toBe('Searched for: x');
  });

  it('uses the UI sentence when a stored notice has no server sentence', () => {
    expect(noticeText({ kind: 'extractive', message: '' }, 'en', en)).toBe(translate('en', 'notice.extractive'));
  });
});

describe('documentErrorText', () => {
  it('translates the common codes in Chinese and keeps the specific server sentence in English', () => {
    expect(documentErrorText('corrupt_file', 'This PDF is damaged and cannot be read (bad xref).', 'zh-CN', zh)).toBe('此文件已损坏，无法读取。');
    expect(documentErrorText('corrupt_file', 'This PDF is damaged and cannot be read (bad xref).', 'en', en)).toBe('This PDF is damaged and cannot be read (bad xref).');
  });

  it('shows the server sentence for a code it does not know', () => {
    expect(documentErrorText('disk_full', 'The disk is full.', 'zh-CN', zh)).toBe('The disk is full.');
    expect(documentErrorText(null, 'Something odd.', 'zh-CN', zh)).toBe('Something odd.');
  });
});
