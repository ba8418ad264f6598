import { describe, expect, it } from 'vitest';
import type { OpenAiMeters } from '../../../src/shared/contract/chat';
import { noticeText } from '../../../src/renderer/features/chat/noticeText';
import { openAiReadouts } from '../../../src/renderer/features/meters/readouts';
import { translate } from '../../../src/renderer/i18n/translate';

// An OpenAI-compatible server's meters and its fallback notice, as the UI shows them.

const meters: OpenAiMeters = {
  provider: 'openai',
  server: '127.0.0.1:8080',
  ttftMs: 412.4,
  tokensPerSecond: 49.96,
  promptTokens: 1242,
  completionTokens: 96,
  firstReasoningMs: null,
  reasoningMs: null,
  reasoningTokens: null,
  cachedPromptTokens: 1024,
  serverTimings: { promptMs: 380.5, promptPerSecond: 573.1, predictedMs: 1921.6, predictedPerSecond: 49.9, cachedTokens: 1024 },
};

describe('OpenAI-compatible server meters', () => {
  it("show what this machine measured beside the server's usage and llama.cpp's own timings", () => {
    expect(openAiReadouts(meters)).toEqual({
      'ttft-reasoning': '—',
      ttft: '412 ms',
      tps: '50.0',
      tokens: '96',
      'prompt-tokens': '1,242',
      'reasoning-tokens': '—',
      'cached-prompt': '1,024 / 1,242',
      'server-prompt': '381 ms · 573',
      'server-generation': '1.92 s · 49.9',
      server: '127.0.0.1:8080',
    });
  });

  it('show dashes for what a server did not report, and before the first figures arrive', () => {
    const bare = openAiReadouts({ ...meters, promptTokens: null, cachedPromptTokens: null, serverTimings: null });
    expect(bare).toMatchObject({ 'prompt-tokens': '—', 'cached-prompt': '—', 'server-prompt': '—', 'server-generation': '—' });
    expect(Object.values(openAiReadouts(null)).every((v) => v === '—')).toBe(true);
  });
});

describe('fallback from a server', () => {
  const notice = { kind: 'fallback', fallbackFrom: 'openai' as const, fallbackTo: 'lpu' as const, message: 'The server at 127.0.0.1:8080 could not be reached, so the local LPU emulator is answering instead.' };
  it("keeps the sentence naming the server in English and says it is the server, not Groq, in Chinese", () => {
    expect(noticeText(notice, 'en', (key, values) => translate('en', key, values))).toBe(notice.message);
    expect(noticeText(notice, 'zh-CN', (key, values) => translate('zh-CN', key, values))).toBe('无法连接 OpenAI 兼容服务器，改由本地 LPU 模拟器回答。');
    expect(noticeText({ ...notice, fallbackTo: 'extractive' }, 'zh-CN', (key, values) => translate('zh-CN', key, values))).toContain('OpenAI 兼容服务器');
    expect(noticeText({ ...notice, fallbackFrom: undefined }, 'zh-CN', (key, values) => translate('zh-CN', key, values))).toBe('无法连接 Groq，改由本地 LPU 模拟器回答。');
  });
});
