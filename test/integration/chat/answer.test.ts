import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { ask, regenerate } from '../../../src/main/chat/answer';
import { exportFileName, threadToMarkdown } from '../../../src/main/chat/export-markdown';
import { runQuickAction } from '../../../src/main/chat/quick-answer';
import { NOT_FOUND, type AnswerDeps } from '../../../src/main/chat/respond';
import type { ChatProvider } from '../../../src/main/providers/provider';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from './library';
import { ScriptedProvider } from './scripted-provider';

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let handbookId: number;

function deps(provider: ChatProvider | null, local: ChatProvider | null = null): AnswerDeps {
  const service = testChatService(services);
  return { ...service, providers: { choose: async () => provider, local: async () => local } };
}

function collect() {
  const events: ChatEvent[] = [];
  return { events, emit: (event: ChatEvent) => void events.push(event), of: <T extends ChatEvent['type']>(type: T) => events.filter((e): e is Extract<ChatEvent, { type: T }> => e.type === type) };
}

beforeEach(() => {
  data = tempDataDir();
  services = openTestServices(data.dir);
  handbookId = addDocument(services.db, 'Handbook', HANDBOOK);
  addDocument(services.db, 'Cafeteria', [{ page: 1, text: 'The cafeteria serves lunch from noon. Coffee is free for all staff.' }]);
});
afterEach(async () => {
  await services.close();
  data.remove();
});

describe('answer pipeline', () => {
  it('streams a cited answer whose [n] map back to document, page and passage, and persists it', async () => {
    const provider = new ScriptedProvider('You get 25 days of paid annual leave [1], and five days can carry over [2].');
    const { events, emit, of } = collect();
    const record = await ask(deps(provider), { question: 'How many days of annual leave do I get?' }, emit, new AbortController().signal);

    expect(events[0]).toMatchObject({ type: 'started', provider: 'lpu', model: 'scripted-model' });
    const [sources] = of('sources');
    expect(sources.routing).toBe('retrieval');
    expect(sources.sources[0]).toMatchObject({ ordinal: 1, documentTitle: 'Handbook', pageStart: 2 });
    expect(sources.sources.map((s) => s.pageStart)).toContain(3);
    const second = sources.sources[1];
    // The prompt the model saw numbers the same passages in the same order.
    const sourcesTurn = provider.prompts[0][0]!.content;
    expect(sourcesTurn).toContain('[1] Handbook, p. 2\nAnnual leave. Every employee receives 25 days');
    expect(sourcesTurn).toContain(`[2] ${second.documentTitle}, p. ${second.pageStart}\n${second.passage}`);
    expect(of('delta').map((d) => d.text).join('')).toBe(record.content);
    expect(of('delta')[0].token).toEqual({ index: 0, cycles: 1000, emulatedUs: 1.1, wallUs: 50 });

    expect(record.status).toBe('complete');
    expect(record.uncited).toBe(false);
    expect(record.sources.filter((s) => s.cited).map((s) => [s.ordinal, s.pageStart, s.passage])).toEqual([
      [1, 2, HANDBOOK[1].text],
      [2, second.pageStart, HANDBOOK.find((p) => p.page === second.pageStart)!.text],
    ]);
    expect(record.meters).toMatchObject({ provider: 'lpu', cycles: { total: 1100 } });
    expect(of('done')[0].message).toEqual(record);

    // Persisted: the thread reads back identically, with provider, model, meters and sources.
    const service = deps(null);
    const [thread] = service.threads.list();
    expect(thread.title).toBe('How many days of annual leave do I get?');
    const messages = service.threads.messages(thread.id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toEqual(record);

    const markdown = threadToMarkdown(thread, messages);
    expect(markdown).toContain('You get 25 days of paid annual leave [^1-1], and five days can carry over [^1-2].');
    expect(markdown).toContain(`[^1-2]: Handbook, p. ${second.pageStart} (/library/Handbook.pdf)`);
    expect(markdown).toContain('[^1-1]: Handbook, p. 2 (/library/Handbook.pdf)');
    expect(markdown).toContain('    > Annual leave. Every employee receives 25 days');
    expect(exportFileName(thread)).toBe('How-many-days-of-annual-leave-do-I-get.md');
  });

  it('says "not found" in documents mode without calling the model when nothing matches', async () => {
    const provider = new ScriptedProvider('should not be asked');
    const { emit, of } = collect();
    const record = await ask(deps(provider), { question: 'What is the quantum chromodynamics budget?' }, emit, new AbortController().signal);
    expect(record.content).toBe(NOT_FOUND);
    expect(provider.prompts).toHaveLength(0);
    expect(of('notice').map((n) => n.kind)).toEqual(['keyword_only', 'not_found']);
    expect(record.sources).toEqual([]);
  });

  it('answers freely in chat mode and marks an answer that cites none of its sources', async () => {
    const free = await ask(deps(new ScriptedProvider('Hello there!')), { question: 'Say hello to quantum chromodynamics', mode: 'chat' }, () => {}, new AbortController().signal);
    expect(free.content).toBe('Hello there!');
    expect(free.uncited).toBe(false);
    const uncited = await ask(deps(new ScriptedProvider('Leave is generous.')), { question: 'annual leave days?' }, () => {}, new AbortController().signal);
    expect(uncited.sources.length).toBeGreaterThan(0);
    expect(uncited.uncited).toBe(true);
  });

  it('answers extractively with cited sentences and how to get a model when there is no model', async () => {
    const { emit, of } = collect();
    const record = await ask(deps(null), { question: 'How many days of annual leave do employees receive?' }, emit, new AbortController().signal);
    expect(of('started')[0]).toMatchObject({ provider: 'extractive', model: 'extractive' });
    expect(of('notice').find((n) => n.kind === 'extractive')?.message).toContain('download a chat model in Settings → Models');
    expect(record.content).toMatch(/^- Every employee receives 25 days of paid annual leave per calendar year\. \[1\]/);
    expect(record.content).not.toContain('Settings → Models');
    expect(record.sources.find((s) => s.ordinal === 1)).toMatchObject({ cited: true, pageStart: 2, documentTitle: 'Handbook' });
    expect(record.meters?.provider).toBe('extractive');
  });

  it('rewrites a follow-up against the thread before searching', async () => {
    const d = deps(new ScriptedProvider('Noted [1].'));
    const first = await ask(d, { question: 'How are travel expenses reimbursed?' }, () => {}, new AbortController().signal);
    const { emit, of } = collect();
    await ask(d, { question: 'How long does it take?', threadId: first.threadId }, emit, new AbortController().signal);
    expect(of('started')[0].query).toBe('travel expense reimbursed How long does it take?');
    expect(of('notice')[0]).toMatchObject({ kind: 'follow_up' });
    expect(of('sources')[0].sources[0]).toMatchObject({ documentTitle: 'Handbook', pageStart: 4 });
  });

  it('keeps the partial answer as cancelled when the stream is cancelled', async () => {
    const abort = new AbortController();
    const { emit, of } = collect();
    const pending = ask(deps(new ScriptedProvider('one two three four five', 'm', 2048, 2)), { question: 'annual leave?' }, (event) => {
      emit(event);
      if (event.type === 'delta' && of('delta').length === 2) abort.abort();
    }, abort.signal);
    const record = await pending;
    expect(record.status).toBe('cancelled');
    expect(record.content).toBe('one two ');
  });

  it('regenerates an answer in place of the old one', async () => {
    const d = deps(new ScriptedProvider('First [1].'));
    const first = await ask(d, { question: 'annual leave days?' }, () => {}, new AbortController().signal);
    const again = await regenerate({ ...d, providers: { choose: async () => new ScriptedProvider('Second [1].'), local: async () => null } }, { messageId: first.id }, () => {}, new AbortController().signal);
    const messages = d.threads.messages(first.threadId);
    expect(messages.map((m) => m.content)).toEqual(['annual leave days?', 'Second [1].']);
    expect(again.content).toBe('Second [1].');
    expect(messages).toHaveLength(2);
  });

  it('routes selected documents whole when they fit the window', async () => {
    const provider = new ScriptedProvider('Summary [3].');
    const { of, emit } = collect();
    await ask(deps(provider), { question: 'annual leave?', documentIds: [handbookId] }, emit, new AbortController().signal);
    const [sources] = of('sources');
    expect(sources.routing).toBe('whole_documents');
    expect(sources.sources.map((s) => [s.pageStart, s.label])).toEqual([
      [1, 'i'],
      [2, null],
      [3, null],
      [4, null],
    ]);
  });

  it('runs quick actions on fixed template prefixes, and extractively without a model', async () => {
    const provider = new ScriptedProvider('A handbook about leave [2].');
    const d = deps(provider);
    const summary = await runQuickAction(d, { action: 'summarize', documentId: handbookId }, () => {}, new AbortController().signal);
    const keyPoints = new ScriptedProvider('- Leave [2]');
    await runQuickAction({ ...d, providers: { choose: async () => keyPoints, local: async () => null } }, { action: 'key_points', documentId: handbookId }, () => {}, new AbortController().signal);
    expect(summary.sources.find((s) => s.cited)?.pageStart).toBe(2);
    expect(provider.prompts[0][1].content.startsWith('Document:\n\n[1] Handbook, i\n')).toBe(true);
    expect(d.threads.messages(summary.threadId)[0].content).toBe('Summarize “Handbook”');

    const extractive = await runQuickAction(deps(null), { action: 'key_points', documentId: handbookId }, () => {}, new AbortController().signal);
    expect(extractive.content.split('\n').length).toBeGreaterThan(1);
    expect(extractive.content).toMatch(/annual leave.*\[\d\]/);
    await expect(runQuickAction(deps(null), { action: 'translate', documentId: handbookId }, () => {}, new AbortController().signal)).rejects.toMatchObject({ code: 'no_chat_model' });
  });
});

describe('provider choice', () => {
  it('writes nothing when the provider cannot be used, and keeps the old answer when regenerating fails', async () => {
    const refuse = async () => {
      throw Object.assign(new Error('no key'), { code: 'groq_no_key' });
    };
    const d = deps(new ScriptedProvider('First [1].'));
    const first = await ask(d, { question: 'annual leave days?' }, () => {}, new AbortController().signal);
    const broken: AnswerDeps = { ...d, providers: { choose: refuse, local: async () => null } };
    await expect(ask(broken, { question: 'another question' }, () => {}, new AbortController().signal)).rejects.toMatchObject({ code: 'groq_no_key' });
    await expect(regenerate(broken, { messageId: first.id }, () => {}, new AbortController().signal)).rejects.toMatchObject({ code: 'groq_no_key' });
    expect(d.threads.list()).toHaveLength(1);
    expect(d.threads.messages(first.threadId).map((m) => m.content)).toEqual(['annual leave days?', 'First [1].']);
  });
});
