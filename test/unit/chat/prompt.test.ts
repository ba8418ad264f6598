import { describe, expect, it } from 'vitest';
import type { Passage } from '../../../src/main/chat/passages';
import { answerBudget, buildPrompt, SYSTEM_CHAT, SYSTEM_DOCUMENTS } from '../../../src/main/chat/prompt';

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;
const passage = (n: number, words: number, label: string | null = null): Passage => ({
  chunkId: n,
  documentId: 1,
  documentTitle: `Doc ${n}`,
  documentPath: `/d/${n}.pdf`,
  pageStart: n + 1,
  pageEnd: n + 1,
  label,
  text: Array.from({ length: words }, (_, i) => `w${n}_${i}`).join(' '),
  score: 1,
});

describe('buildPrompt', () => {
  it('numbers sources with document and page and keeps the fixed system prompt first', () => {
    const prompt = buildPrompt({ mode: 'documents', question: 'Q?', passages: [passage(1, 5, 'iv'), passage(2, 5)], history: [], contextTokens: 4096, countTokens: countWords });
    expect(prompt.messages[0].role).toBe('system');
    const system = prompt.messages[0].content;
    expect(system.startsWith(`${SYSTEM_DOCUMENTS}\n\nSources:\n\n[1] Doc 1, iv\nw1_0 `)).toBe(true);
    expect(system).toMatch(/w1_4\n\n\[2\] Doc 2, p\. 3\nw2_0 .* w2_4$/);
    expect(prompt.messages.at(-1)).toEqual({ role: 'user', content: 'Q?' });
    expect(prompt.used).toHaveLength(2);
    expect(prompt.trimmed).toBe(false);
  });

  it('starts a follow-up with the previous prompt and its answer when the sources are the same', () => {
    const passages = [passage(1, 5), passage(2, 5)];
    const first = buildPrompt({ mode: 'documents', question: 'Q1?', passages, history: [], contextTokens: 4096, countTokens: countWords });
    const history = [{ role: 'user' as const, content: 'Q1?' }, { role: 'assistant' as const, content: 'A1 [1].' }];
    const next = buildPrompt({ mode: 'documents', question: 'Q2?', passages, history, contextTokens: 4096, countTokens: countWords });
    expect(next.messages.slice(0, first.messages.length)).toEqual(first.messages);
    expect(next.messages.slice(first.messages.length)).toEqual([history[1], { role: 'user', content: 'Q2?' }]);
  });

  it('fits sources into the window left after the answer budget, in rank order', () => {
    const contextTokens = 512;
    const prompt = buildPrompt({
      mode: 'documents',
      question: 'Q?',
      passages: [passage(1, 120), passage(2, 120), passage(3, 120), passage(4, 120)],
      history: [],
      contextTokens,
      countTokens: countWords,
    });
    expect(prompt.maxTokens).toBe(answerBudget(contextTokens));
    expect(prompt.used.map((p) => p.chunkId)).toEqual([1, 2]);
    expect(prompt.trimmed).toBe(true);
    const total = prompt.messages.reduce((sum, m) => sum + countWords(m.content), 0);
    expect(total + prompt.maxTokens).toBeLessThanOrEqual(contextTokens);
  });

  it('truncates the best passage rather than sending none to a tiny window', () => {
    const prompt = buildPrompt({ mode: 'documents', question: 'Q?', passages: [passage(1, 2000)], history: [], contextTokens: 512, countTokens: countWords });
    expect(prompt.used).toHaveLength(1);
    expect(prompt.used[0].text.endsWith(' …')).toBe(true);
    expect(countWords(prompt.used[0].text)).toBeLessThan(400);
  });

  it('keeps the most recent history that still fits and answers freely in chat mode', () => {
    const history = [
      { role: 'user' as const, content: 'old question' },
      { role: 'assistant' as const, content: 'old answer' },
    ];
    const prompt = buildPrompt({ mode: 'chat', question: 'Hello', passages: [], history, contextTokens: 2048, countTokens: countWords });
    expect(prompt.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(prompt.messages[0].content).toBe(SYSTEM_CHAT);
    expect(prompt.messages.at(-1)!.content).toBe('Hello');
  });
});
