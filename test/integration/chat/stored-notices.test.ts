import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { ask } from '../../../src/main/chat/answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import type { ChatProvider } from '../../../src/main/providers/provider';
import { fromRecord } from '../../../src/renderer/stores/chat/reducer';
import { handbookServicesPerTest, testChatService } from './library';
import { ScriptedProvider } from './scripted-provider';

// A reload shows the notices an answer carried while it streamed: they are stored with the message (in served_json,
// beside the length limit), read back from SQLite and rebuilt by the renderer's fromRecord.

const services = handbookServicesPerTest();

function deps(provider: ChatProvider | null): AnswerDeps {
  return { ...testChatService(services()), providers: { choose: async () => provider, local: async () => null } };
}
function collect() {
  const events: ChatEvent[] = [];
  const notices = () => events.flatMap((e) => (e.type === 'notice' ? [e] : []));
  return { emit: (event: ChatEvent) => void events.push(event), notices };
}
/** The thread as a reload reads it: from the database, through the renderer's own rebuild. */
function reloaded(threadId: number, messageId: number) {
  const record = services().chat.threads.messages(threadId).find((m) => m.id === messageId);
  if (!record) throw new Error(`message ${messageId} is not stored`);
  return fromRecord(record);
}

describe('notices stored with their answer', () => {
  it('keeps the keyword-search-only and follow-up notices of an answer after a reload, with their facts', async () => {
    const first = collect();
    const answer = await ask(deps(new ScriptedProvider('Employees get 25 days [1].')), { question: 'How many days of annual leave do I get?' }, first.emit, new AbortController().signal);
    // No embedding model is installed in the test data folder: search ran on keywords alone and said so.
    expect(first.notices().map((n) => n.kind)).toContain('keyword_only');
    const shown = reloaded(answer.threadId, answer.id).notices;
    expect(shown.map((n) => n.kind)).toEqual(first.notices().map((n) => n.kind));
    expect(shown.find((n) => n.kind === 'keyword_only')?.message).toBe(first.notices().find((n) => n.kind === 'keyword_only')?.message);
    // Its reason comes back too, so the Chinese interface says why in its own words after a reload.
    expect(shown.find((n) => n.kind === 'keyword_only')?.reason).toBe('no_embedder');

    const second = collect();
    const followUp = await ask(deps(new ScriptedProvider('Within 30 days [1].')), { question: 'And what about it?', threadId: answer.threadId }, second.emit, new AbortController().signal);
    const rewritten = second.notices().find((n) => n.kind === 'follow_up');
    if (rewritten) expect(reloaded(followUp.threadId, followUp.id).notices.find((n) => n.kind === 'follow_up')).toMatchObject({ query: rewritten.query });
    expect(reloaded(followUp.threadId, followUp.id).notices.map((n) => n.kind)).toEqual(second.notices().map((n) => n.kind));
  });

  it('stores no live-only countdown, and answers stored before notices were kept still rebuild the extractive one', async () => {
    const run = collect();
    const answer = await ask(deps(null), { question: 'How many days of annual leave do I get?' }, run.emit, new AbortController().signal);
    expect(answer.provider).toBe('extractive');
    const stored = answer.served?.notices ?? [];
    expect(stored.map((n) => n.kind)).toEqual(run.notices().map((n) => n.kind));
    expect(stored.map((n) => n.kind)).toContain('extractive');
    for (const notice of stored) expect(Object.keys(notice)).not.toContain('secondsLeft');
    // A message written before this change has no stored notices: the renderer still says it is extractive.
    services().db.prepare('UPDATE messages SET served_json = NULL WHERE id = ?').run(answer.id);
    expect(reloaded(answer.threadId, answer.id).notices).toEqual([{ kind: 'extractive', message: '' }]);
  });

  it('keeps on a replayed answer the cached notice it showed, not the first answer\'s notices', async () => {
    const answerDeps = deps(new ScriptedProvider('Employees get 25 days [1].'));
    await ask(answerDeps, { question: 'How many days of annual leave do I get?' }, () => {}, new AbortController().signal);
    const replay = collect();
    const replayed = await ask(answerDeps, { question: 'How many days of annual leave do I get?' }, replay.emit, new AbortController().signal);
    expect(replay.notices().map((n) => n.kind)).toEqual(['cached']);
    const shown = reloaded(replayed.threadId, replayed.id);
    expect(shown.notices).toEqual([{ kind: 'cached', message: replay.notices()[0]!.message }]);
    expect(shown.served?.cachedAt).toBeGreaterThan(0);
  });
});
