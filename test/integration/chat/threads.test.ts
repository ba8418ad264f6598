import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockstepClient } from '../../../src/shared/contract/index';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import type { Services } from '../../../src/main/services';
import { connectClient } from './contract-client';
import { addDocument, HANDBOOK, openTestServices, tempDataDir } from './library';
import { corpusFile, itWithCorpus } from '../../support/corpus';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
let data: ReturnType<typeof tempDataDir>;
let services: Services;
let client: LockstepClient;

beforeEach(() => {
  data = tempDataDir();
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
  ({ client } = connectClient(services));
});
afterEach(async () => {
  await services.close();
  data.remove();
});

const askOver = async (request: Parameters<LockstepClient['chat']['ask']>[0]) => {
  const events: ChatEvent[] = [];
  await client.chat.ask(request, (e) => events.push(e)).done;
  return events;
};

describe('threads over the contract', () => {
  it('persists questions and cited answers, renames, exports Markdown with footnotes and deletes', async () => {
    const first = await askOver({ question: 'How many days of annual leave do employees receive?' });
    const started = first[0] as Extract<ChatEvent, { type: 'started' }>;
    await askOver({ question: 'Can they carry it over?', threadId: started.threadId });

    const [summary] = await client.threads.list({ workspaceId: 1 });
    expect(summary).toMatchObject({ id: started.threadId, title: 'How many days of annual leave do employees receive?', messageCount: 4 });
    const { messages } = await client.threads.get({ id: summary.id });
    expect(messages.map((m) => [m.role, m.provider, m.status])).toEqual([
      ['user', null, 'complete'],
      ['assistant', 'extractive', 'complete'],
      ['user', null, 'complete'],
      ['assistant', 'extractive', 'complete'],
    ]);
    const answer = messages[1];
    expect(answer.sources.filter((s) => s.cited).map((s) => s.pageStart)).toContain(2);
    expect(answer.meters).toMatchObject({ provider: 'extractive' });
    // The follow-up was searched with the first question's terms and found the carry-over page.
    expect(messages[3].sources.find((s) => s.cited)?.pageStart).toBe(3);

    expect(await client.threads.rename({ id: summary.id, title: 'Leave policy' })).toMatchObject({ title: 'Leave policy' });
    const exported = await client.threads.exportMarkdown({ id: summary.id });
    expect(exported.fileName).toBe('Leave-policy.md');
    expect(exported.markdown).toMatch(/^# Leave policy\n/);
    expect(exported.markdown).toContain('## How many days of annual leave do employees receive?');
    expect(exported.markdown).toMatch(/\[\^1-1\]: Handbook, p\. 2 \(\/library\/Handbook\.pdf\)\n\n {4}> Annual leave\. Every employee receives 25 days/);

    await expect(client.threads.rename({ id: summary.id, title: '   ' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await client.threads.remove({ id: summary.id })).toEqual({ removed: true });
    await expect(client.threads.get({ id: summary.id })).rejects.toMatchObject({ code: 'thread_not_found', message: 'That conversation no longer exists. Start a new one.' });
    expect(services.db.prepare('SELECT COUNT(*) AS n FROM messages').get()).toEqual({ n: 0 });
    expect(services.db.prepare('SELECT COUNT(*) AS n FROM message_sources').get()).toEqual({ n: 0 });
  });

  it('regenerates an answer and refuses to regenerate a question', async () => {
    const events = await askOver({ question: 'How are travel expenses reimbursed?' });
    const done = events.at(-1) as Extract<ChatEvent, { type: 'done' }>;
    const again: ChatEvent[] = [];
    await client.chat.regenerate({ messageId: done.message.id }, (e) => again.push(e)).done;
    const { messages } = await client.threads.get({ id: done.message.threadId });
    expect(messages).toHaveLength(2);
    expect(messages[1].content).toBe(done.message.content);
    await expect(client.chat.regenerate({ messageId: messages[0].id }, () => {}).done).rejects.toMatchObject({ code: 'not_an_answer' });
  });

  it('regenerates an earlier answer in its place, not at the end of the thread', async () => {
    const first = (await askOver({ question: 'How are travel expenses reimbursed?' })).at(-1) as Extract<ChatEvent, { type: 'done' }>;
    const threadId = first.message.threadId;
    await askOver({ question: 'How many days of annual leave?', threadId });
    const again: ChatEvent[] = [];
    await client.chat.regenerate({ messageId: first.message.id }, (e) => again.push(e)).done;
    expect(again.find((e) => e.type === 'started')).toMatchObject({ assistantMessageId: first.message.id });
    const { messages } = await client.threads.get({ id: threadId });
    expect(messages.map((m) => [m.role, m.role === 'user' ? m.content : m.id])).toEqual([
      ['user', 'How are travel expenses reimbursed?'],
      ['assistant', first.message.id],
      ['user', 'How many days of annual leave?'],
      ['assistant', expect.any(Number)],
    ]);
    expect(messages[1]).toMatchObject({ status: 'complete', content: first.message.content });
  });

  it('regenerates a quick action as the same quick action, under the same question', async () => {
    const first: ChatEvent[] = [];
    await client.chat.quickAction({ action: 'key_points', documentId: 1 }, (e) => first.push(e)).done;
    const done = first.at(-1) as Extract<ChatEvent, { type: 'done' }>;
    const again: ChatEvent[] = [];
    await client.chat.regenerate({ messageId: done.message.id }, (e) => again.push(e)).done;
    const { messages } = await client.threads.get({ id: done.message.threadId });
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    // The same extracted key points, not a keyword search for the words of the label.
    expect(messages[1].content).toBe(done.message.content);
    expect(messages[1].content).toMatch(/^- /);
  });

  it('keeps a document selection inside the question\'s workspace, and regenerates over the same selection', async () => {
    const other = (await client.workspaces.create({ name: 'Elsewhere' })).id;
    const foreign = addDocument(services.db, 'Foreign', [{ page: 1, text: 'Travel expenses are reimbursed in gold coins within a day.' }], other);
    const events = await askOver({ question: 'How are travel expenses reimbursed?', documentIds: [1, foreign] });
    const done = events.at(-1) as Extract<ChatEvent, { type: 'done' }>;
    expect(done.message.sources.map((s) => s.documentTitle)).not.toContain('Foreign');
    const userMessage = (await client.threads.get({ id: done.message.threadId })).messages[0];
    expect(services.chat.threads.scope(userMessage.id)).toEqual({ kind: 'question', mode: 'documents', documentIds: [1] });
    const again: ChatEvent[] = [];
    await client.chat.regenerate({ messageId: done.message.id }, (e) => again.push(e)).done;
    expect((again.at(-1) as Extract<ChatEvent, { type: 'done' }>).message.sources.map((s) => s.documentTitle)).not.toContain('Foreign');
  });

  it('runs a quick action as a stream and reports a missing document clearly', async () => {
    const events: ChatEvent[] = [];
    await client.chat.quickAction({ action: 'summarize', documentId: 1 }, (e) => events.push(e)).done;
    expect(events.map((e) => e.type)).toEqual(['started', 'sources', 'notice', 'delta', 'done']);
    await expect(client.chat.quickAction({ action: 'summarize', documentId: 999 }, () => {}).done).rejects.toMatchObject({ code: 'document_not_found' });
  });

  itWithCorpus([STORIES], 'streams emulator tokens with per-token meters over the contract, and keeps a cancelled answer', async () => {
    services.settings.update({ chatModelId: stories() });
    const events = await askOver({ question: 'How are travel expenses reimbursed?' });
    const deltas = events.filter((e): e is Extract<ChatEvent, { type: 'delta' }> => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas[1].token).toMatchObject({ index: 1, cycles: expect.any(Number), emulatedUs: expect.any(Number), wallUs: expect.any(Number) });
    expect(events.find((e) => e.type === 'meters')).toMatchObject({ meters: { provider: 'lpu', chips: 1 } });

    const seen: ChatEvent[] = [];
    const handle = client.chat.ask({ question: 'annual leave?', threadId: (events[0] as { threadId: number }).threadId }, (e) => {
      seen.push(e);
      if (e.type === 'delta' && seen.filter((x) => x.type === 'delta').length === 3) handle.cancel();
    });
    await expect(handle.done).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 200));
    const { messages } = await client.threads.get({ id: (events[0] as { threadId: number }).threadId });
    const last = messages.at(-1)!;
    expect(last.status).toBe('cancelled');
    expect(last.content.length).toBeGreaterThan(0);
    expect(last.sources.length).toBeGreaterThan(0);
  });

  it('marks answers cut off by a crash as cancelled at the next launch, keeping what was written', async () => {
    const threads = services.chat.threads;
    const thread = threads.create(1, 'Interrupted');
    const done = threads.addMessage(thread.id, { role: 'assistant', content: 'Complete.', status: 'complete' });
    const cut = threads.addMessage(thread.id, { role: 'assistant', content: 'Half an ans', status: 'streaming' });
    expect(threads.recoverInterruptedAnswers()).toBe(1);
    const messages = (await client.threads.get({ id: thread.id })).messages;
    expect(messages.find((m) => m.id === cut)).toMatchObject({ status: 'cancelled', content: 'Half an ans', error: expect.stringContaining('closed') });
    expect(messages.find((m) => m.id === done)).toMatchObject({ status: 'complete', error: null });
    expect(threads.recoverInterruptedAnswers()).toBe(0);
  });
});
