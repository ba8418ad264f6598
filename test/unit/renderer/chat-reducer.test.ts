import { describe, expect, it } from 'vitest';
import type { AnswerSource, MessageRecord } from '../../../src/shared/contract/chat';
import { draftMessage, foldChatEvent, fromRecord, linkCitations } from '../../../src/renderer/stores/chat/reducer';

const source = (ordinal: number): AnswerSource => ({
  ordinal,
  chunkId: ordinal,
  documentId: 1,
  documentTitle: 'tracemonkey.pdf',
  documentPath: '/docs/tracemonkey.pdf',
  pageStart: 4,
  pageEnd: 4,
  label: null,
  passage: 'A trace tree is a tree of traces.',
  cited: false,
});

describe('linkCitations', () => {
  const known = new Set([1, 2, 3]);
  it('turns [n], [n][m] and [n, m] into citation links for known sources only', () => {
    expect(linkCitations('Trees [1]. Both [2][3]. Pair [1, 3]. Unknown [9].', known)).toBe(
      'Trees [1](#cite-1). Both [2](#cite-2)[3](#cite-3). Pair [1](#cite-1)[3](#cite-3). Unknown [9].',
    );
  });
  it('leaves code spans, fenced code and existing links untouched', () => {
    const text = 'Use `a[1]` here\n```\nx = y[2]\n```\nand [1](http://example.com) [2]';
    expect(linkCitations(text, known)).toBe('Use `a[1]` here\n```\nx = y[2]\n```\nand [1](http://example.com) [2](#cite-2)');
  });
});

describe('foldChatEvent', () => {
  it('keeps reasoning out of the answer: its own text, live figures from Groq meters, dropped on a restart, restored from the record', () => {
    const groq = { provider: 'groq' as const, ttftMs: null, tokensPerSecond: null, promptTokens: null, completionTokens: null, queueTime: null, promptTime: null, completionTime: null, totalTime: null };
    let message = draftMessage(-2, 'assistant');
    message = foldChatEvent(message, { type: 'started', threadId: 1, userMessageId: 10, assistantMessageId: 11, provider: 'groq', model: 'openai/gpt-oss-20b', query: 'q' });
    expect(message.thinking).toBeNull();
    message = foldChatEvent(message, { type: 'reasoning', text: 'Source [2] ' });
    message = foldChatEvent(message, { type: 'reasoning', text: 'is not needed.' });
    message = foldChatEvent(message, { type: 'meters', meters: { ...groq, firstReasoningMs: 120, reasoningMs: 800, reasoningTokens: 12 } });
    message = foldChatEvent(message, { type: 'delta', text: 'Leave is 25 days [1].' });
    expect(message.content).toBe('Leave is 25 days [1].');
    expect(message.thinking).toEqual({ text: 'Source [2] is not needed.', tokens: 12, ms: 800 });
    expect(foldChatEvent(message, { type: 'notice', kind: 'fallback', message: 'm', resetText: true }).thinking).toBeNull();
    const record = {
      id: 11, threadId: 1, role: 'assistant', content: 'Leave is 25 days [1].', status: 'complete', provider: 'groq', model: 'openai/gpt-oss-20b',
      meters: { ...groq, reasoningTokens: 24, reasoningMs: 900 }, error: null, sources: [source(1)], uncited: false, createdAt: 1, reasoning: 'Thought.',
    } satisfies MessageRecord;
    expect(foldChatEvent(message, { type: 'done', message: record }).thinking).toEqual({ text: 'Thought.', tokens: 24, ms: 900 });
  });

  it('folds a streamed answer: started → sources → deltas → done', () => {
    let message = draftMessage(-2, 'assistant');
    message = foldChatEvent(message, { type: 'started', threadId: 1, userMessageId: 10, assistantMessageId: 11, provider: 'lpu', model: 'stories260K', query: 'q' });
    expect(message).toMatchObject({ id: 11, provider: 'lpu', model: 'stories260K', status: 'streaming' });
    message = foldChatEvent(message, { type: 'sources', routing: 'retrieval', sources: [source(1)] });
    message = foldChatEvent(message, { type: 'delta', text: 'A tree ' });
    message = foldChatEvent(message, { type: 'delta', text: 'of traces [1].', token: { index: 1, cycles: 10, emulatedUs: 5, wallUs: 90 } });
    expect(message.content).toBe('A tree of traces [1].');
    expect(message.sources).toHaveLength(1);
    const record: MessageRecord = {
      id: 11, threadId: 1, role: 'assistant', content: 'A tree of traces [1].', status: 'complete', provider: 'lpu', model: 'stories260K',
      meters: null, error: null, sources: [{ ...source(1), cited: true }], uncited: false, createdAt: 1,
    };
    message = foldChatEvent(message, { type: 'done', message: record });
    expect(message).toMatchObject({ status: 'complete', sources: [{ cited: true }], query: 'q' });
  });

  it('replaces a countdown notice instead of stacking it, and drops streamed text on a fallback reset', () => {
    let message = { ...draftMessage(5, 'assistant'), content: 'partial' };
    message = foldChatEvent(message, { type: 'notice', kind: 'rate_limited', message: 'wait', secondsLeft: 3 });
    message = foldChatEvent(message, { type: 'notice', kind: 'rate_limited', message: 'wait', secondsLeft: 2 });
    expect(message.notices).toEqual([{ kind: 'rate_limited', message: 'wait', secondsLeft: 2 }]);
    message = foldChatEvent(message, { type: 'notice', kind: 'fallback', message: 'Groq unreachable', resetText: true });
    expect(message.content).toBe('');
    expect(message.notices.map((n) => n.kind)).toEqual(['rate_limited', 'fallback']);
  });

  it('keeps the fields a notice is translated from, without the stream-only flags', () => {
    const message = foldChatEvent(draftMessage(5, 'assistant'), { type: 'notice', kind: 'context_trimmed', message: '3 of 8 passages fit m.', used: 3, total: 8, model: 'm' });
    expect(message.notices).toEqual([{ kind: 'context_trimmed', message: '3 of 8 passages fit m.', used: 3, total: 8, model: 'm' }]);
    const fallback = foldChatEvent(message, { type: 'notice', kind: 'fallback', message: 'x', resetText: true, fallbackTo: 'extractive' });
    expect(fallback.notices[1]).toEqual({ kind: 'fallback', message: 'x', fallbackTo: 'extractive' });
  });
});

describe('fromRecord', () => {
  const record = (served?: MessageRecord['served']): MessageRecord => ({
    id: 11,
    threadId: 1,
    role: 'assistant',
    content: 'Leave is 25 days and',
    status: 'complete',
    provider: 'groq',
    model: 'llama-3.3-70b-versatile',
    meters: null,
    error: null,
    sources: [source(1)],
    ...(served ? { served } : {}),
    uncited: false,
    createdAt: 1,
  });
  it('restores the answer-limit notice of a stored answer, so Continue is offered again after a reload', () => {
    expect(fromRecord(record({ lengthLimit: 512 })).notices).toEqual([{ kind: 'length_limit', message: '', limit: 512 }]);
    expect(fromRecord(record()).notices).toEqual([]);
  });
});
