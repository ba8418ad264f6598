import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ask } from '../../../src/main/chat/answer';
import { GroqProvider, retryAfterSeconds } from '../../../src/main/providers/groq';
import type { ProviderEvent } from '../../../src/main/providers/provider';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from '../chat/library';
import { REPLY, startFaultServer, USAGE, type FaultServer } from './groq-fault-server';
import { corpusFile, itWithCorpus } from '../../support/corpus';
import { log } from '../../../src/main/platform/log';

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const stories = () => corpusFile(STORIES);
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

  it('reads retry-after-ms, retry-after seconds and retry-after dates', () => {
    expect(retryAfterSeconds(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1.5);
    expect(retryAfterSeconds(new Headers({ 'retry-after': '7' }))).toBe(7);
    const inTen = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterSeconds(new Headers({ 'retry-after': inTen }))).toBeGreaterThan(8);
    expect(retryAfterSeconds(new Headers({}))).toBeNull();
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
    const services = openTestServices(data.dir);
    const chat = testChatService(services, { groqBaseURL: server.baseURL });
    const count = () => server.requests.filter((r) => r.path === '/openai/v1/models').length;
    const before = count();
    const models = await chat.groqModels.list('gsk_valid_0123456789', server.baseURL);
    expect(models).toEqual([
      { id: 'gemma2-9b-it', ownedBy: 'Google', contextWindow: 8192, reasoning: false, reasoningEfforts: [], chat: true },
      { id: 'llama-3.1-8b-instant', ownedBy: 'Meta', contextWindow: 131072, reasoning: false, reasoningEfforts: [], chat: true },
    ]);
    await chat.groqModels.list('gsk_valid_0123456789', server.baseURL);
    expect(count()).toBe(before + 1);
    await chat.groqModels.list('gsk_valid_0123456789', server.baseURL, true);
    expect(count()).toBe(before + 2);
    expect(chat.groqModels.contextWindow(server.baseURL, 'gemma2-9b-it')).toBe(8192);
    await services.close();
    data.remove();
  });

  itWithCorpus([STORIES], 'falls back to the local LPU emulator with a visible notice when Groq drops mid-answer', async () => {
    const data = tempDataDir();
    const services = openTestServices(data.dir);
    // The fallback is logged for whoever reads the main-process log; the test asserts the line instead of printing it.
    const warnings = vi.spyOn(log, 'warn').mockImplementation(() => {});
    try {
      addDocument(services.db, 'Handbook', HANDBOOK);
      const secrets = new MemorySecretStore();
      secrets.set('groq.apiKey', 'gsk_disconnect_0123456789');
      services.settings.update({ provider: 'groq', chatModelId: stories() });
      const chat = testChatService(services, { secrets, groqBaseURL: server.baseURL });
      const events: ChatEvent[] = [];
      const record = await ask(chat, { question: 'How many days of annual leave?' }, (e) => events.push(e), new AbortController().signal);
      expect(events[0]).toMatchObject({ type: 'started', provider: 'groq', model: 'llama-3.1-8b-instant' });
      const fallbackAt = events.findIndex((e) => e.type === 'notice' && e.kind === 'fallback');
      const deltasBeforeFallback = events.slice(0, fallbackAt).filter((e) => e.type === 'delta');
      expect(deltasBeforeFallback.map((e) => (e as { text: string }).text)).toEqual(REPLY.slice(0, 2));
      expect(events[fallbackAt]).toMatchObject({ resetText: true, message: 'Groq could not be reached, so the local LPU emulator is answering instead.' });
      // After the fallback: the emulator's sources (sized to its 512-token bucket), per-token meters and final meters.
      const after = events.slice(fallbackAt);
      const sources = after.find((e) => e.type === 'sources');
      expect(sources).toMatchObject({ routing: 'retrieval', sources: [{ ordinal: 1, documentTitle: 'Handbook', pageStart: 2 }] });
      const tokens = after.filter((e) => e.type === 'delta');
      expect(tokens.length).toBeGreaterThan(10);
      expect(tokens.every((e) => e.type === 'delta' && e.token && e.token.cycles > 0 && e.token.emulatedUs > 0)).toBe(true);
      expect(record).toMatchObject({ provider: 'lpu', model: 'stories260K', status: 'complete' });
      expect(record.content).toBe(tokens.map((e) => (e as { text: string }).text).join(''));
      expect(record.meters).toMatchObject({ provider: 'lpu', chips: 1 });
      expect(record.meters?.provider === 'lpu' && record.meters.cycles.total).toBeGreaterThan(0);
      // stories260K cannot cite, so the answer is marked as citing nothing.
      expect(record.uncited).toBe(true);
      await chat.close();
      expect(warnings.mock.calls.map(([message]) => message)).toEqual(['Groq is unreachable; falling back to the local model']);
    } finally {
      warnings.mockRestore();
      await services.close();
      data.remove();
    }
  });
});
