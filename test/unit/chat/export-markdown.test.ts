import { describe, expect, it } from 'vitest';
import type { AnswerSource, MessageRecord, ThreadSummary } from '../../../src/shared/contract/chat';
import { threadToMarkdown } from '../../../src/main/chat/export-markdown';

const source = (ordinal: number): AnswerSource => ({
  ordinal, chunkId: ordinal, documentId: 1, documentTitle: 'Handbook', documentPath: '/h.pdf',
  pageStart: ordinal, pageEnd: ordinal, label: null, passage: `Passage ${ordinal}.`, cited: true,
});

describe('Markdown export', () => {
  it('turns list and range citations into footnotes that all exist', () => {
    const thread = { title: 'Leave' } as ThreadSummary;
    const question = { role: 'user', content: 'Leave?', sources: [] } as unknown as MessageRecord;
    const answer = {
      role: 'assistant', content: 'Leave is 25 days [1-3] and carries over [1, 3].', status: 'complete', uncited: false,
      provider: 'lpu', model: 'm', sources: [source(1), source(2), source(3)],
    } as unknown as MessageRecord;
    const markdown = threadToMarkdown(thread, [question, answer]);
    expect(markdown).toContain('Leave is 25 days [^1-1][^1-2][^1-3] and carries over [^1-1][^1-3].');
    for (const n of [1, 2, 3]) expect(markdown).toContain(`[^1-${n}]: Handbook, p. ${n} (/h.pdf)`);
    expect(markdown).not.toContain('[1-3]');
  });

  it('names who answered once when provider and model are the same word', () => {
    const thread = { title: 'Leave' } as ThreadSummary;
    const answer = (provider: string, model: string) => ({ role: 'assistant', content: 'Leave is 25 days [1].', status: 'complete', uncited: false, provider, model, sources: [source(1)] }) as unknown as MessageRecord;
    const extractive = threadToMarkdown(thread, [answer('extractive', 'extractive')]);
    expect(extractive).toContain('_answered by extractive_');
    expect(extractive).not.toContain('extractive · extractive');
    expect(threadToMarkdown(thread, [answer('lpu', 'SmolLM2-135M')])).toContain('_answered by lpu · SmolLM2-135M_');
  });

  it('names the user\'s file in footnotes, never the copy kept of an upload', () => {
    const thread = { title: 'Leave' } as ThreadSummary;
    const uploaded = { ...source(1), documentPath: '/home/ana/.config/lockstep/uploads/0123456789ab/handbook.pdf' };
    const answer = { role: 'assistant', content: 'Leave is 25 days [1].', status: 'complete', uncited: false, provider: 'lpu', model: 'm', sources: [uploaded] } as unknown as MessageRecord;
    const markdown = threadToMarkdown(thread, [answer]);
    expect(markdown).toContain('[^1-1]: Handbook, p. 1 (handbook.pdf)');
    expect(markdown).not.toContain('uploads');
  });

  it('exports reasoning as a collapsed block before the answer, quoted as text and never as footnotes', () => {
    const thread = { title: 'Leave' } as ThreadSummary;
    const answer = {
      role: 'assistant', content: 'Leave is 25 days [1].', status: 'complete', uncited: false, provider: 'groq', model: 'openai/gpt-oss-20b',
      sources: [source(1), { ...source(2), cited: false }],
      reasoning: 'Source [1] says 25 days.\n[2] is about <carry-over>.',
      meters: { provider: 'groq', reasoningTokens: 24, reasoningMs: 1250 },
    } as unknown as MessageRecord;
    const markdown = threadToMarkdown(thread, [answer]);
    expect(markdown).toContain(
      '<details>\n<summary>Thinking (24 tokens, 1.3 s)</summary>\n\n> Source [1] says 25 days.\n> [2] is about &lt;carry-over&gt;.\n\n</details>\n\nLeave is 25 days [^1-1].',
    );
    expect(markdown).not.toContain('[^1-2]');
    expect(threadToMarkdown(thread, [{ ...answer, reasoning: undefined }])).not.toContain('<details>');
  });

  it("gives an OpenAI-compatible server's thinking the same figures as Groq's", () => {
    const answer = {
      role: 'assistant', content: 'Leave is 25 days [1].', status: 'complete', uncited: false, provider: 'openai', model: 'qwen3-8b',
      sources: [source(1)], reasoning: 'Source [1] has it.',
      meters: { provider: 'openai', reasoningTokens: 12, reasoningMs: 640 },
    } as unknown as MessageRecord;
    expect(threadToMarkdown({ title: 'Leave' } as ThreadSummary, [answer])).toContain('<summary>Thinking (12 tokens, 0.6 s)</summary>');
  });
});
