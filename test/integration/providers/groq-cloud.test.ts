import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ask } from '../../../src/main/chat/answer';
import { threadToMarkdown } from '../../../src/main/chat/export-markdown';
import { GroqProvider } from '../../../src/main/providers/groq';
import { defaultGroqModel, groqModelTraits } from '../../../src/main/providers/groq-models';
import type { ProviderEvent } from '../../../src/main/providers/provider';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import type { Services } from '../../../src/main/services';
import type { ChatEvent, MessageRecord } from '../../../src/shared/contract/chat';
import { ANSWER, CURRENT_MODELS, modelNotFound, rateLimited, REASONING, requestedTokens, startFakeGroq, USAGE, type FakeGroq } from '../../fixtures/groq/fake-groq';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService, type TestPage } from '../chat/library';

// Groq as it is today, against a local server speaking its wire format: reasoning models, a default chosen from
// the key's listing, prompts sized to the key's per-minute token limit, Groq's refusals and the fallbacks.

const KEY = 'gsk_test_0123456789abcdef';
let groq: FakeGroq;
const savedLog = process.env.LOCKSTEP_LOG;
beforeAll(async () => {
  // The fallbacks log a warning by design; keep the test output quiet.
  process.env.LOCKSTEP_LOG = 'silent';
  groq = await startFakeGroq();
});
afterAll(async () => {
  await groq.close();
  if (savedLog === undefined) delete process.env.LOCKSTEP_LOG;
  else process.env.LOCKSTEP_LOG = savedLog;
});

const cleanups: (() => Promise<void> | void)[] = [];
beforeEach(() => groq.reset());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function library(pages: TestPage[] = HANDBOOK, settings: Parameters<Services['settings']['update']>[0] = {}) {
  const data = tempDataDir('lockstep-groq-');
  const services = openTestServices(data.dir);
  addDocument(services.db, 'Handbook', pages);
  services.settings.update({ provider: 'groq', ...settings });
  const secrets = new MemorySecretStore();
  secrets.set('groq.apiKey', KEY);
  const chat = testChatService(services, { secrets, groqBaseURL: groq.baseURL });
  cleanups.push(() => data.remove(), () => services.close(), () => chat.close());
  const run = async (question = 'How many days of annual leave?') => {
    const events: ChatEvent[] = [];
    const record = await ask(chat, { question }, (e) => events.push(e), new AbortController().signal);
    return { events, record, notices: events.filter((e): e is Extract<ChatEvent, { type: 'notice' }> => e.type === 'notice') };
  };
  return { services, chat, run };
}

const texts = (events: (ChatEvent | ProviderEvent)[], type: 'delta' | 'reasoning') =>
  events.filter((e) => e.type === type).map((e) => (e as { text: string }).text);

const noThinkTags = (record: MessageRecord) => {
  expect(record.content).not.toMatch(/<\/?think>|<thi|nk>/);
};

describe('Groq models', () => {
  it('knows which models reason and which efforts they take, and picks a fast chat model by default', () => {
    expect(groqModelTraits('openai/gpt-oss-20b')).toEqual({ chat: true, reasoning: 'include_reasoning', efforts: ['low', 'medium', 'high'] });
    expect(groqModelTraits('qwen/qwen3-32b')).toEqual({ chat: true, reasoning: 'reasoning_format', efforts: ['none', 'default'] });
    expect(groqModelTraits('llama-3.1-8b-instant')).toEqual({ chat: true, reasoning: null, efforts: [] });
    for (const id of ['whisper-large-v3', 'playai-tts', 'meta-llama/llama-guard-4-12b', 'openai/gpt-oss-safeguard-20b', 'groq/compound']) expect(groqModelTraits(id).chat).toBe(false);
    const listing = (ids: string[]) => ids.map((id) => ({ id, ownedBy: null, contextWindow: 8192 }));
    expect(defaultGroqModel(listing(['whisper-large-v3', 'qwen/qwen3-32b', 'openai/gpt-oss-120b', 'openai/gpt-oss-20b']))).toBe('openai/gpt-oss-20b');
    expect(defaultGroqModel(listing(['openai/gpt-oss-20b', 'openai/gpt-oss-120b']), ['openai/gpt-oss-20b'])).toBe('openai/gpt-oss-120b');
    expect(defaultGroqModel(listing(['playai-tts', 'meta-llama/llama-prompt-guard-2-86m']))).toBeNull();
    expect(defaultGroqModel(listing(['zeta-chat', 'alpha-chat']))).toBe('alpha-chat');
  });

  it('lists models with their context window, reasoning marks and whether they can chat', async () => {
    const { chat } = library();
    const models = await chat.groqModels.list(KEY, groq.baseURL, true);
    expect(models.find((m) => m.id === 'openai/gpt-oss-20b')).toEqual({
      id: 'openai/gpt-oss-20b', ownedBy: 'OpenAI', contextWindow: 131072, reasoning: true, reasoningEfforts: ['low', 'medium', 'high'], chat: true,
    });
    expect(models.find((m) => m.id === 'playai-tts')).toMatchObject({ chat: false, reasoning: false });
  });
});

describe('reasoning models', () => {
  it('streams gpt-oss reasoning deltas as their own events and reads x_groq.usage, tier and token limit', async () => {
    const provider = new GroqProvider({ apiKey: KEY, model: 'openai/gpt-oss-20b', baseURL: groq.baseURL, reasoningEffort: 'low', serviceTier: 'flex' });
    const events: ProviderEvent[] = [];
    const result = await provider.generate({ messages: [{ role: 'user', content: 'Leave?' }], maxTokens: 512, signal: new AbortController().signal }, (e) => events.push(e));
    expect(texts(events, 'reasoning')).toEqual(REASONING);
    expect(texts(events, 'delta')).toEqual(ANSWER);
    expect(result).toMatchObject({ text: ANSWER.join(''), reasoning: REASONING.join(''), stopReason: 'stop' });
    // Every reasoning event comes before the first answer delta.
    expect(events.findLastIndex((e) => e.type === 'reasoning')).toBeLessThan(events.findIndex((e) => e.type === 'delta'));
    expect(result.meters).toMatchObject({
      provider: 'groq',
      promptTokens: USAGE.prompt_tokens,
      completionTokens: USAGE.completion_tokens,
      queueTime: USAGE.queue_time,
      promptTime: USAGE.prompt_time,
      completionTime: USAGE.completion_time,
      cachedPromptTokens: 256,
      reasoningTokens: 24,
      serviceTier: 'flex',
      tokenLimit: 8000,
    });
    const meters = result.meters.provider === 'groq' ? result.meters : null;
    // TTFT splits into the first reasoning token and the first answer token, which comes later.
    expect(meters!.firstReasoningMs).toBeGreaterThanOrEqual(0);
    expect(meters!.ttftMs).toBeGreaterThanOrEqual(meters!.firstReasoningMs!);
    expect(meters!.tokensRemaining).toBeLessThan(8000);
    const sent = groq.chatRequests().at(-1)!;
    expect(sent).toMatchObject({ model: 'openai/gpt-oss-20b', include_reasoning: true, reasoning_effort: 'low', service_tier: 'flex', stream: true });
    expect(sent).not.toHaveProperty('reasoning_format');
    // After this response the prompt budget is the key's tokens per minute (with a margin), not the 131k window.
    expect(provider.contextTokens).toBe(Math.floor(8000 * 0.85));
  });

  it('sends only the efforts a model accepts', async () => {
    const qwen = new GroqProvider({ apiKey: KEY, model: 'qwen/qwen3-32b', baseURL: groq.baseURL, reasoningEffort: 'high' });
    await qwen.generate({ messages: [{ role: 'user', content: 'Leave?' }], maxTokens: 64, signal: new AbortController().signal }, () => {});
    expect(groq.chatRequests().at(-1)).toMatchObject({ model: 'qwen/qwen3-32b', reasoning_format: 'parsed' });
    expect(groq.chatRequests().at(-1)).not.toHaveProperty('reasoning_effort');
  });

  it('keeps qwen3 raw <think> text, tags split across chunks, out of the answer, the stored message and the export', async () => {
    const { run, chat } = library(HANDBOOK, { groqModel: 'qwen/qwen3-32b' });
    const { events, record } = await run();
    expect(texts(events, 'delta').join('')).toBe(ANSWER.join(''));
    expect(texts(events, 'reasoning').join('')).toBe('Source [1] gives 25 days; [2] is not needed.\n');
    expect(record).toMatchObject({ status: 'complete', provider: 'groq', model: 'qwen/qwen3-32b', content: ANSWER.join('') });
    expect(record.reasoning).toBe('Source [1] gives 25 days; [2] is not needed.\n');
    noThinkTags(record);
    // Reasoning is never cited: source 2 appears only in the thinking.
    expect(record.sources.map((s) => [s.ordinal, s.cited])).toEqual([[1, true], [2, false], [3, false]].slice(0, record.sources.length));
    const stored = chat.threads.messages(record.threadId).at(-1)!;
    expect(stored.content).toBe(ANSWER.join(''));
    const markdown = threadToMarkdown(chat.threads.thread(record.threadId), chat.threads.messages(record.threadId));
    expect(markdown).not.toMatch(/<\/?think>/);
    expect(markdown).toContain('<summary>Thinking (9 tokens');
    expect(markdown).not.toContain('[^1-2]');
  });

  it('stores gpt-oss reasoning apart from the answer and reports both TTFTs through ask()', async () => {
    const { run } = library();
    const { events, record } = await run();
    expect(events[0]).toMatchObject({ type: 'started', provider: 'groq', model: 'openai/gpt-oss-20b' });
    expect(record.content).toBe(ANSWER.join(''));
    expect(record.reasoning).toBe(REASONING.join(''));
    expect(record.sources.find((s) => s.ordinal === 2)?.cited ?? false).toBe(false);
    expect(record.meters).toMatchObject({ provider: 'groq', reasoningTokens: 24, cachedPromptTokens: 256 });
  });
});

describe('choosing a model that exists', () => {
  it('chooses the default from the key\'s listing on a fresh data folder and saves it, without a notice', async () => {
    const { run, services } = library();
    expect(services.settings.get().groqModel).toBe('');
    const { events, record, notices } = await run();
    expect(events[0]).toMatchObject({ type: 'started', model: 'openai/gpt-oss-20b' });
    expect(notices.filter((n) => n.kind === 'model_replaced')).toEqual([]);
    expect(record.model).toBe('openai/gpt-oss-20b');
    expect(services.settings.get().groqModel).toBe('openai/gpt-oss-20b');
  });

  it('replaces a saved model the listing no longer has, says so, then survives a 404 for a model retired since the listing', async () => {
    const { run, services } = library(HANDBOOK, { groqModel: 'llama-3.1-8b-instant' });
    const first = await run();
    expect(first.events[0]).toMatchObject({ type: 'started', model: 'openai/gpt-oss-20b' });
    expect(first.notices.find((n) => n.kind === 'model_replaced')).toMatchObject({
      previousModel: 'llama-3.1-8b-instant',
      model: 'openai/gpt-oss-20b',
      message: 'Groq no longer offers llama-3.1-8b-instant, so openai/gpt-oss-20b is answering instead. It is now your Groq model.',
    });
    expect(first.record).toMatchObject({ status: 'complete', model: 'openai/gpt-oss-20b' });
    expect(services.settings.get().groqModel).toBe('openai/gpt-oss-20b');

    // Groq retires the saved model; the cached listing (an hour old at most) still has it, so the request 404s.
    groq.models = CURRENT_MODELS.filter((m) => m.id !== 'openai/gpt-oss-20b');
    // Another question: the same one again would be answered from the answer cache without asking Groq.
    const second = await run('How many days of annual leave do employees get?');
    expect(groq.chatRequests().slice(-2).map((r) => r.model)).toEqual(['openai/gpt-oss-20b', 'openai/gpt-oss-120b']);
    expect(second.notices.find((n) => n.kind === 'model_replaced')).toMatchObject({ previousModel: 'openai/gpt-oss-20b', model: 'openai/gpt-oss-120b', resetText: true });
    expect(second.record).toMatchObject({ status: 'complete', model: 'openai/gpt-oss-120b', content: ANSWER.join('') });
    expect(services.settings.get().groqModel).toBe('openai/gpt-oss-120b');
  });

  it('replaces a gone model once: a replacement the key is also refused ends the answer with the reason', async () => {
    const { run } = library(HANDBOOK, { groqModel: 'openai/gpt-oss-20b' });
    groq.queue(modelNotFound('openai/gpt-oss-20b'), modelNotFound('openai/gpt-oss-120b'));
    const before = groq.chatRequests().length;
    await expect(run()).rejects.toMatchObject({ code: 'groq_model_gone', message: 'The Groq model openai/gpt-oss-120b is no longer available to this key. Pick another model in Settings → Providers.' });
    expect(groq.chatRequests().slice(before).map((r) => r.model)).toEqual(['openai/gpt-oss-20b', 'openai/gpt-oss-120b']);
  });

  it('knows the context window of a model named explicitly, from the listing, before any answer', async () => {
    const { chat } = library();
    const provider = await chat.providers.choose({ provider: 'groq', model: 'qwen/qwen3-32b' });
    expect(provider).toMatchObject({ id: 'groq', model: 'qwen/qwen3-32b', contextTokens: 131072, limitedBy: 'context_window' });
  });

  it('reports a refused key as such on a fresh data folder, though no listing could choose a model', async () => {
    const { chat } = library();
    chat.secrets.set('groq.apiKey', 'not_a_groq_key_0123');
    await expect(ask(chat, { question: 'How many days of annual leave?' }, () => {}, new AbortController().signal)).rejects.toMatchObject({ code: 'groq_key_rejected' });
  });

  it('says in plain words when Groq lists no other chat model', async () => {
    const { run } = library(HANDBOOK, { groqModel: 'openai/gpt-oss-20b' });
    groq.queue(modelNotFound('openai/gpt-oss-20b'));
    groq.models = CURRENT_MODELS.filter((m) => !m.id.startsWith('openai/') && !m.id.startsWith('qwen/'));
    // The cached listing is stale on purpose: the choice is made from it, the refusal comes from the server.
    await expect(run()).rejects.toMatchObject({ code: 'groq_model_gone', message: expect.stringContaining('openai/gpt-oss-20b is no longer available') });
  });
});

/** Long pages about leave: eight passages that do not fit a small per-minute token limit together. */
const LONG_PAGES: TestPage[] = Array.from({ length: 8 }, (_, i) => ({
  page: i + 1,
  text: `Annual leave rule ${i + 1}. ` + 'Every employee receives paid annual leave days under this rule, and the leave policy applies to all staff. '.repeat(14),
}));

describe('prompts that fit the key', () => {
  it('retries a 413 once with a prompt sized to the stated limit, says how many passages were left out, and sizes the next prompt up front', async () => {
    const { run, services } = library(LONG_PAGES);
    services.settings.update({ topK: 8 });
    groq.tokenLimit = 3000;
    groq.queue({ kind: 'enforce_tpm', limit: 3000 }, { kind: 'enforce_tpm', limit: 3000 });
    const { record, notices } = await run('What does the annual leave policy say?');
    const [tooLarge, fitted] = groq.chatRequests().slice(-2);
    expect(requestedTokens(tooLarge!)).toBeGreaterThan(3000);
    expect(requestedTokens(fitted!)).toBeLessThanOrEqual(3000);
    expect(notices.find((n) => n.kind === 'request_too_large')).toMatchObject({ limit: 3000, resetText: true, model: 'openai/gpt-oss-20b' });
    const trimmed = notices.filter((n) => n.kind === 'context_trimmed').at(-1)!;
    expect(trimmed.used).toBeLessThan(8);
    expect(trimmed).toMatchObject({ total: 8, limit: Math.floor(3000 * 0.85) });
    expect(trimmed.message).toBe(`${trimmed.used} of 8 passages fit this Groq key's per-minute token limit on openai/gpt-oss-20b.`);
    expect(record).toMatchObject({ status: 'complete', content: ANSWER.join('') });
    expect(record.sources).toHaveLength(trimmed.used!);

    // The limit is remembered from the response headers: the next question fits on the first try.
    groq.queue({ kind: 'enforce_tpm', limit: 3000 });
    const before = groq.chatRequests().length;
    const next = await run('What does the annual leave policy say about staff?');
    expect(groq.chatRequests().length).toBe(before + 1);
    expect(next.notices.some((n) => n.kind === 'request_too_large')).toBe(false);
  });

  it('explains which limit was hit when even the smallest prompt is too large', async () => {
    const { run } = library(LONG_PAGES);
    groq.queue({ kind: 'enforce_tpm', limit: 120 }, { kind: 'enforce_tpm', limit: 120 });
    await expect(run('What does the annual leave policy say?')).rejects.toMatchObject({
      code: 'groq_request_too_large',
      message: expect.stringMatching(/^This question with its passages needs about \d+ tokens, but this Groq key allows 120 tokens per minute on openai\/gpt-oss-20b\./),
    });
    expect(groq.chatRequests().slice(-2).every((r) => requestedTokens(r) > 120)).toBe(true);
  });
});

describe('Groq failures', () => {
  it('waits out a 429 with retry-after, counting down, then answers', async () => {
    const { run } = library();
    groq.queue(rateLimited(1));
    const started = Date.now();
    const { record, notices } = await run();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(notices.find((n) => n.kind === 'rate_limited')).toMatchObject({ secondsLeft: 1, message: 'Groq is rate-limiting requests; retrying in 1 s.' });
    expect(record).toMatchObject({ status: 'complete', content: ANSWER.join('') });
  });

  it('falls back to the local LPU emulator when Groq fails mid-stream (an error event after two chunks)', async () => {
    const modelDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-groq-lpu-'));
    cleanups.push(() => rmSync(modelDir, { recursive: true, force: true }));
    const { run } = library(HANDBOOK, { groqModel: 'llama-3.1-8b-instant', chatModelId: writeTinyLlamaFile(modelDir) });
    groq.models = [...CURRENT_MODELS, { id: 'llama-3.1-8b-instant', owned_by: 'Meta', context_window: 131072 }];
    groq.queue({ kind: 'error_mid_stream' });
    const { events, record } = await run();
    const fallbackAt = events.findIndex((e) => e.type === 'notice' && e.kind === 'fallback');
    expect(texts(events.slice(0, fallbackAt), 'delta')).toEqual(ANSWER.slice(0, 2));
    expect(events[fallbackAt]).toMatchObject({ resetText: true, fallbackTo: 'lpu', message: 'Groq could not be reached, so the local LPU emulator is answering instead.' });
    const tokens = events.slice(fallbackAt).filter((e) => e.type === 'delta');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((e) => e.type === 'delta' && e.token && e.token.cycles > 0)).toBe(true);
    expect(record).toMatchObject({ provider: 'lpu', model: 'tiny-llama', status: 'complete' });
    expect(record.content).toBe(texts(tokens, 'delta').join(''));
    expect(record.meters).toMatchObject({ provider: 'lpu' });
  });

  it('falls back as well when Groq answers 503 before streaming', async () => {
    const { run } = library();
    groq.queue({ kind: 'status', status: 503, body: { error: { message: 'Service Unavailable', type: 'internal_server_error' } } });
    const { events, record } = await run();
    expect(events.find((e) => e.type === 'notice' && e.kind === 'fallback')).toMatchObject({ fallbackTo: 'extractive' });
    expect(record).toMatchObject({ provider: 'extractive', status: 'complete' });
  });

  it('treats a malformed chunk as a broken stream: without a local model the answer is made of cited sentences', async () => {
    const { run } = library(HANDBOOK, { groqModel: 'llama-3.1-8b-instant' });
    groq.models = [...CURRENT_MODELS, { id: 'llama-3.1-8b-instant', owned_by: 'Meta', context_window: 131072 }];
    groq.queue({ kind: 'malformed_chunk' });
    const { events, record } = await run();
    const fallbackAt = events.findIndex((e) => e.type === 'notice' && e.kind === 'fallback');
    expect(texts(events.slice(0, fallbackAt), 'delta')).toEqual(ANSWER.slice(0, 2));
    expect(events[fallbackAt]).toMatchObject({ resetText: true, fallbackTo: 'extractive' });
    expect(record).toMatchObject({ provider: 'extractive', status: 'complete' });
    expect(record.content).toMatch(/^- Every employee receives 25 days of paid annual leave per calendar year\. \[1\]/);
    expect(record.content).not.toContain(ANSWER.join(''));
  });
});

describe('lockstep ask --provider groq', () => {
  it('answers on a fresh data folder without naming a model, though the listing no longer has llama-3.1-8b-instant', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-groq-cli-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    expect(CURRENT_MODELS.some((m) => m.id === 'llama-3.1-8b-instant')).toBe(false);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/proxy/i.test(key)));
    const env = { ...clean, LOCKSTEP_LOG: 'silent', GROQ_API_KEY: KEY, GROQ_BASE_URL: groq.baseURL };
    const args = ['bin/lockstep.mjs', 'ask', 'How many days of annual leave do employees get?', '--provider', 'groq', '--mode', 'chat', '--json', '--data-dir', dataDir];
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, args, { cwd: path.resolve(import.meta.dirname, '../../..'), env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })),
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { answer: string; model: string; status: string; reasoning: string | null; meters: { provider: string; reasoningTokens: number } };
    expect(answer).toMatchObject({ status: 'complete', model: 'openai/gpt-oss-20b', answer: ANSWER.join(''), reasoning: REASONING.join('') });
    expect(answer.answer).not.toMatch(/<\/?think>/);
    expect(answer.meters).toMatchObject({ provider: 'groq', reasoningTokens: 24 });
  }, 60_000);
});
