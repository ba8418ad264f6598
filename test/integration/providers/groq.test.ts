import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask } from '../../../src/main/chat/answer';
import { createChatService } from '../../../src/main/chat/service';
import { GroqProvider } from '../../../src/main/providers/groq';
import type { ProviderEvent } from '../../../src/main/providers/provider';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import { SettingsStore } from '../../../src/main/settings/settings';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { addDocument, HANDBOOK, openTestStore, tempDataDir } from '../chat/library';
import { ScriptedProvider } from '../chat/scripted-provider';
import { REPLY, startFaultServer, USAGE, type FaultServer } from './groq-fault-server';

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

const messages = [{ role: 'user' as const, content: 'How much leave?' }];
const run = (apiKey: string, signal = new AbortController().signal) => {
  const events: ProviderEvent[] = [];
  const provider = new GroqProvider({ apiKey, model: 'llama-3.1-8b-instant', baseURL: server.baseURL });
  return { events, result: provider.generate({ messages, maxTokens: 64, signal }, (e) => events.push(e)) };
};

describe('groq provider (groq-sdk against a local server)', () => {
  it('streams deltas and combines measured TTFT and tokens/s with x_groq.usage', async () => {
    const { events, result } = run('gsk_valid_0123456789');
    const { text, meters, stopReason } = await result;
    expect(text).toBe(REPLY.join(''));
    expect(stopReason).toBe('stop');
    expect(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual(REPLY);
    expect(meters).toMatchObject({
      provider: 'groq',
      promptTokens: USAGE.prompt_tokens,
      completionTokens: USAGE.completion_tokens,
      queueTime: USAGE.queue_time,
      promptTime: USAGE.prompt_time,
      completionTime: USAGE.completion_time,
      totalTime: USAGE.total_time,
    });
    expect(meters.provider === 'groq' && meters.ttftMs).toBeGreaterThanOrEqual(0);
    expect(events.at(-1)).toEqual({ type: 'meters', meters });
    const sent = server.requests.at(-1)!.body as { stream: boolean; max_completion_tokens: number; model: string };
    expect(sent).toMatchObject({ stream: true, max_completion_tokens: 64, model: 'llama-3.1-8b-instant' });
  });

  it('turns 401 into "key rejected"', async () => {
    await expect(run('gsk_rejected_0123456789').result).rejects.toMatchObject({
      code: 'groq_key_rejected',
      message: 'Groq rejected the API key (key rejected). Paste a valid key in Settings → Providers.',
    });
  });

  it('waits out a 429 with a countdown honouring retry-after, then streams', async () => {
    const started = Date.now();
    const { events, result } = run('gsk_ratelimit_0123456789');
    expect((await result).text).toBe(REPLY.join(''));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(events[0]).toEqual({ type: 'notice', kind: 'rate_limited', message: 'Groq is rate-limiting requests; retrying in 1 s.', secondsLeft: 1 });
    expect(server.requests.filter((r) => r.key === 'gsk_ratelimit_0123456789')).toHaveLength(2);
  });

  it('reports a mid-stream disconnect and a refused connection as unreachable', async () => {
    await expect(run('gsk_disconnect_0123456789').result).rejects.toMatchObject({ code: 'groq_unreachable' });
    const closed = new GroqProvider({ apiKey: 'gsk_valid_0123456789', model: 'm', baseURL: 'http://127.0.0.1:9' });
    await expect(closed.generate({ messages, maxTokens: 8, signal: new AbortController().signal }, () => {})).rejects.toMatchObject({ code: 'groq_unreachable' });
  });

  it('cancels mid-stream and closes the connection', async () => {
    const abort = new AbortController();
    const events: ProviderEvent[] = [];
    const provider = new GroqProvider({ apiKey: 'gsk_slow_0123456789', model: 'm', baseURL: server.baseURL });
    const pending = provider.generate({ messages, maxTokens: 8, signal: abort.signal }, (e) => {
      events.push(e);
      if (e.type === 'delta') abort.abort();
    });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 300));
    expect(server.closedEarly).toContain('gsk_slow_0123456789');
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(1);
  });

  it('lists models from the API and caches them', async () => {
    const data = tempDataDir();
    const db = openTestStore(data.dir);
    const chat = createChatService({ dataDir: data.dir, db, settings: new SettingsStore(db), secrets: new MemorySecretStore(), groqBaseURL: server.baseURL });
    const count = () => server.requests.filter((r) => r.path === '/openai/v1/models').length;
    const before = count();
    const models = await chat.groqModels.list('gsk_valid_0123456789', server.baseURL);
    expect(models).toEqual([
      { id: 'gemma2-9b-it', ownedBy: 'Google', contextWindow: 8192 },
      { id: 'llama-3.1-8b-instant', ownedBy: 'Meta', contextWindow: 131072 },
    ]);
    await chat.groqModels.list('gsk_valid_0123456789', server.baseURL);
    expect(count()).toBe(before + 1);
    await chat.groqModels.list('gsk_valid_0123456789', server.baseURL, true);
    expect(count()).toBe(before + 2);
    expect(chat.groqModels.contextWindow(server.baseURL, 'gemma2-9b-it')).toBe(8192);
    db.close();
    data.remove();
  });

  it('falls back to the local model with a visible notice when Groq drops mid-answer', async () => {
    const data = tempDataDir();
    const db = openTestStore(data.dir);
    addDocument(db, 'Handbook', HANDBOOK);
    const secrets = new MemorySecretStore();
    secrets.set('groq.apiKey', 'gsk_disconnect_0123456789');
    const settings = new SettingsStore(db);
    settings.update({ provider: 'groq' });
    const chat = createChatService({ dataDir: data.dir, db, settings, secrets, groqBaseURL: server.baseURL });
    const local = new ScriptedProvider('Locally: 25 days [1].', 'stories-local');
    const events: ChatEvent[] = [];
    const record = await ask(
      { ...chat, providers: { choose: (choice) => chat.providers.choose(choice), local: async () => local } },
      { question: 'How many days of annual leave?' },
      (e) => events.push(e),
      new AbortController().signal,
    );
    expect(events[0]).toMatchObject({ type: 'started', provider: 'groq', model: 'llama-3.1-8b-instant' });
    const deltasBeforeFallback = events.slice(0, events.findIndex((e) => e.type === 'notice' && e.kind === 'fallback')).filter((e) => e.type === 'delta');
    expect(deltasBeforeFallback.map((e) => (e as { text: string }).text)).toEqual(REPLY.slice(0, 2));
    expect(events.find((e) => e.type === 'notice' && e.kind === 'fallback')).toMatchObject({ resetText: true, message: expect.stringContaining('local LPU emulator') });
    expect(record).toMatchObject({ provider: 'lpu', model: 'stories-local', content: 'Locally: 25 days [1].', status: 'complete', uncited: false });
    expect(record.sources[0]).toMatchObject({ cited: true, pageStart: 2 });
    db.close();
    data.remove();
  });
});
