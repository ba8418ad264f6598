import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnswerServing, ChatEvent } from '../../../src/shared/contract/chat';
import { ask, regenerate } from '../../../src/main/chat/answer';
import { normaliseQuestion } from '../../../src/main/chat/answer-cache';
import { runQuickAction } from '../../../src/main/chat/quick-answer';
import type { AnswerDeps } from '../../../src/main/chat/respond';
import type { DegradationRouter } from '../../../src/main/ops/degrade-route';
import type { Services } from '../../../src/main/services';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from './library';
import { ScriptedProvider } from './scripted-provider';

let data: ReturnType<typeof tempDataDir>;
let services: Services;
let provider: ScriptedProvider;
let deps: AnswerDeps;

function collect() {
  const events: ChatEvent[] = [];
  return { events, emit: (event: ChatEvent) => void events.push(event) };
}
const never = new AbortController().signal;
/** How an answer was served apart from the notices it carried (stored-notices.test.ts covers those): undefined when ordinary. */
function how(served: AnswerServing | undefined): Omit<AnswerServing, 'notices'> | undefined {
  if (!served) return undefined;
  const { notices: _notices, ...rest } = served;
  return Object.keys(rest).length ? rest : undefined;
}
const QUESTION = 'How many days of annual leave do I get?';

beforeEach(() => {
  data = tempDataDir('lockstep-answer-cache-');
  services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', HANDBOOK);
  provider = new ScriptedProvider('You get 25 days of paid annual leave [1], and five days can carry over [2].');
  const service = testChatService(services);
  deps = { ...service, providers: { choose: async () => provider, local: async () => provider } };
});
afterEach(async () => {
  await services.close();
  data.remove();
});

describe('answer cache (real SQLite)', () => {
  it('answers a repeated question from the cache in under 50 ms with the original citations, marked cached', async () => {
    const first = await ask(deps, { question: QUESTION }, () => {}, never);
    expect(how(first.served)).toBeUndefined();
    expect(provider.prompts).toHaveLength(1);

    const { events, emit } = collect();
    const started = performance.now();
    // Asked again in another thread, with other spacing, case and punctuation.
    const second = await ask(deps, { question: '  how many DAYS of annual leave   do I get ' }, emit, never);
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(50);
    expect(provider.prompts).toHaveLength(1); // the model was not asked again
    expect(second.threadId).not.toBe(first.threadId);
    expect(second.content).toBe(first.content);
    expect(second.sources).toEqual(first.sources);
    expect(second.sources.filter((s) => s.cited).map((s) => s.pageStart)).toEqual(first.sources.filter((s) => s.cited).map((s) => s.pageStart));
    expect(second.provider).toBe('lpu');
    expect(second.served?.cachedAt).toBeGreaterThan(0);
    expect(second.served?.cachedAt).toBeLessThanOrEqual(Date.now());
    expect(events.map((e) => e.type)).toEqual(['started', 'notice', 'sources', 'delta', 'meters', 'done']);
    expect(events[1]).toMatchObject({ type: 'notice', kind: 'cached' });
    // Persisted as served from the cache.
    expect(deps.threads.message(second.id).served).toEqual(second.served);
  });

  it('is invalidated by re-indexing: the next ask goes to the model', async () => {
    await ask(deps, { question: QUESTION }, () => {}, never);
    const handbook = services.db.prepare("SELECT id FROM documents WHERE title = 'Handbook'").get() as { id: number };
    // What the ingest queue does when a changed file is indexed again.
    services.db.prepare("UPDATE documents SET status = 'processing' WHERE id = ?").run(handbook.id);
    services.db.prepare("UPDATE documents SET status = 'indexed', content_hash = 'changed' WHERE id = ?").run(handbook.id);
    const again = await ask(deps, { question: QUESTION }, () => {}, never);
    expect(provider.prompts).toHaveLength(2);
    expect(how(again.served)).toBeUndefined();
  });

  it('is bypassed by Regenerate, which stores the new answer for the next ask', async () => {
    const first = await ask(deps, { question: QUESTION }, () => {}, never);
    provider = new ScriptedProvider('Employees get 25 days [1].');
    const regenerated = await regenerate(deps, { messageId: first.id }, () => {}, never);
    expect(provider.prompts).toHaveLength(1);
    expect(regenerated.content).toBe('Employees get 25 days [1].');
    expect(how(regenerated.served)).toBeUndefined();
    const third = await ask(deps, { question: QUESTION }, () => {}, never);
    expect(third.content).toBe('Employees get 25 days [1].');
    expect(third.served?.cachedAt).toBeDefined();
    expect(provider.prompts).toHaveLength(1);
  });

  it('keys on the provider and model, the mode and the selected documents', async () => {
    await ask(deps, { question: QUESTION }, () => {}, never);
    const other = new ScriptedProvider('Twenty-five [1].', 'other-model');
    const withOther: AnswerDeps = { ...deps, providers: { choose: async () => other, local: async () => other } };
    expect(how((await ask(withOther, { question: QUESTION }, () => {}, never)).served)).toBeUndefined();
    expect(how((await ask(deps, { question: QUESTION, mode: 'chat' }, () => {}, never)).served)).toBeUndefined();
    const cafeteria = addDocument(services.db, 'Cafeteria', [{ page: 1, text: 'Annual leave does not apply to the cafeteria opening days.' }]);
    expect(how((await ask(deps, { question: QUESTION, documentIds: [cafeteria] }, () => {}, never)).served)).toBeUndefined();
    expect(provider.prompts).toHaveLength(3);
  });

  it('asks again after a setting that shapes answers changes (reranking, search weights, the answer limit)', async () => {
    await ask(deps, { question: QUESTION }, () => {}, never);
    expect(how((await ask(deps, { question: QUESTION }, () => {}, never)).served)).toMatchObject({ cachedAt: expect.any(Number) });
    expect(provider.prompts).toHaveLength(1);
    services.settings.update({ rerankEnabled: false });
    expect((await ask(deps, { question: QUESTION }, () => {}, never)).served?.cachedAt).toBeUndefined();
    services.settings.update({ maxAnswerTokens: 256 });
    expect((await ask(deps, { question: QUESTION }, () => {}, never)).served?.cachedAt).toBeUndefined();
    expect(provider.prompts).toHaveLength(3);
    // And the answer given under these settings is what a repeat now finds.
    expect(how((await ask(deps, { question: QUESTION }, () => {}, never)).served)).toMatchObject({ cachedAt: expect.any(Number) });
  });

  it('does not store answers that were cancelled or found nothing', async () => {
    const hanging = new ScriptedProvider('one two three', 'scripted-model', 2048, 1);
    const withHanging: AnswerDeps = { ...deps, providers: { choose: async () => hanging, local: async () => hanging } };
    const controller = new AbortController();
    const cancelled = ask(withHanging, { question: QUESTION }, (e) => e.type === 'delta' && controller.abort(), controller.signal);
    expect((await cancelled).status).toBe('cancelled');
    const notFound = await ask(deps, { question: 'zebra quantum violin' }, () => {}, never);
    expect(how(notFound.served)).toBeUndefined();
    expect(deps.answerCache?.size()).toBe(0);
  });
});

describe('answer cache: how the first answer was served', () => {
  const REASON = 'token-interval p95 exceeded 250 ms (measured 480 ms)';
  // The chain stands on the single-worker channel for every answer of this test.
  const degraded = (): DegradationRouter => ({
    route: async (chosen) => ({ provider: chosen, channel: 'lpu_single', served: { channel: 'lpu_single', reason: REASON } }),
    fallback: async () => null,
    watch: () => ({ token: () => {}, succeeded: () => {}, failed: () => {} }),
  });

  it('replays the channel note of the first answer with "cached" and its age, in the notice and the record', async () => {
    const first = await ask({ ...deps, degradation: degraded() }, { question: QUESTION }, () => {}, never);
    expect(how(first.served)).toEqual({ channel: 'lpu_single', reason: REASON });
    // The chain has recovered since: the replay must still say how the answer was made.
    const { events, emit } = collect();
    const second = await ask(deps, { question: QUESTION }, emit, never);
    expect(provider.prompts).toHaveLength(1);
    expect(how(second.served)).toEqual({ channel: 'lpu_single', reason: REASON, cachedAt: expect.any(Number) });
    expect(deps.threads.message(second.id).served).toEqual(second.served);
    const notice = events.find((e) => e.type === 'notice' && e.kind === 'cached');
    expect(notice).toMatchObject({ message: expect.stringContaining(`answered on the single-worker CPU channel because ${REASON}.`) });
    // An ordinary answer replays without one.
    provider = new ScriptedProvider('Twenty-five days [1].');
    const plain = await ask(deps, { question: 'Can leave carry over?' }, () => {}, never);
    expect(how(plain.served)).toBeUndefined();
    const replay = await ask(deps, { question: 'can leave carry over' }, () => {}, never);
    expect(how(replay.served)).toEqual({ cachedAt: expect.any(Number) });
  });

  it('stores the channel note, never an earlier replay\'s cache time, when Regenerate replaces a replayed answer', async () => {
    await ask(deps, { question: QUESTION }, () => {}, never);
    const replayed = await ask(deps, { question: QUESTION }, () => {}, never);
    expect(replayed.served?.cachedAt).toBeDefined();
    const regenerated = await regenerate({ ...deps, degradation: degraded() }, { messageId: replayed.id }, () => {}, never);
    expect(how(regenerated.served)).toEqual({ channel: 'lpu_single', reason: REASON });
    const again = await ask(deps, { question: QUESTION }, () => {}, never);
    expect(how(again.served)).toEqual({ channel: 'lpu_single', reason: REASON, cachedAt: expect.any(Number) });
    expect(again.served!.cachedAt).toBeGreaterThanOrEqual(replayed.served!.cachedAt!);
  });
});

describe('answer cache: quick actions', () => {
  const handbook = () => (services.db.prepare("SELECT id FROM documents WHERE title = 'Handbook'").get() as { id: number }).id;

  it('replays a repeated quick action from the cache; Regenerate asks the model and stores the new answer', async () => {
    provider = new ScriptedProvider('A handbook about annual leave [1].');
    const first = await runQuickAction(deps, { action: 'summarize', documentId: handbook() }, () => {}, never);
    expect(how(first.served)).toBeUndefined();
    const { events, emit } = collect();
    const second = await runQuickAction(deps, { action: 'summarize', documentId: handbook() }, emit, never);
    expect(provider.prompts).toHaveLength(1);
    expect(second.content).toBe(first.content);
    expect(second.sources).toEqual(first.sources);
    expect(second.served?.cachedAt).toBeGreaterThan(0);
    expect(events[1]).toMatchObject({ type: 'notice', kind: 'cached' });

    // Another action on the same document, and the same action as a typed question, are different keys.
    await runQuickAction(deps, { action: 'key_points', documentId: handbook() }, () => {}, never);
    expect(provider.prompts).toHaveLength(2);
    const typed = await ask(deps, { question: 'Summarize “Handbook”', documentIds: [handbook()] }, () => {}, never);
    expect(how(typed.served)).toBeUndefined();
    expect(provider.prompts).toHaveLength(3);

    provider = new ScriptedProvider('Leave rules, in short [2].');
    const regenerated = await regenerate(deps, { messageId: second.id }, () => {}, never);
    expect(provider.prompts).toHaveLength(1);
    expect(regenerated.content).toBe('Leave rules, in short [2].');
    expect(how(regenerated.served)).toBeUndefined();
    const third = await runQuickAction(deps, { action: 'summarize', documentId: handbook() }, () => {}, never);
    expect(third.content).toBe('Leave rules, in short [2].');
    expect(third.served?.cachedAt).toBeDefined();
    expect(provider.prompts).toHaveLength(1);
  });

  it('asks again once the document is re-indexed, or with another model', async () => {
    await runQuickAction(deps, { action: 'summarize', documentId: handbook() }, () => {}, never);
    const other = new ScriptedProvider('Short [1].', 'other-model');
    const withOther: AnswerDeps = { ...deps, providers: { choose: async () => other, local: async () => other } };
    expect(how((await runQuickAction(withOther, { action: 'summarize', documentId: handbook() }, () => {}, never)).served)).toBeUndefined();
    services.db.prepare("UPDATE documents SET content_hash = 'changed' WHERE id = ?").run(handbook());
    expect(how((await runQuickAction(deps, { action: 'summarize', documentId: handbook() }, () => {}, never)).served)).toBeUndefined();
    expect(provider.prompts).toHaveLength(2);
  });
});

describe('normaliseQuestion', () => {
  it('folds case, width, spacing and closing punctuation, nothing else', () => {
    expect(normaliseQuestion('  What is   PP&E?  ')).toBe('what is pp&e');
    expect(normaliseQuestion('年假有几天？')).toBe('年假有几天');
    expect(normaliseQuestion('ＡＢＣ')).toBe('abc');
    expect(normaliseQuestion('What is 3.0?')).toBe('what is 3.0');
    expect(normaliseQuestion('leave days')).not.toBe(normaliseQuestion('leave day'));
  });
});
