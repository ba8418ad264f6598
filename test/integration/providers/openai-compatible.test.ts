import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ask } from '../../../src/main/chat/answer';
import { listOpenAiModels, OpenAiCompatibleProvider } from '../../../src/main/providers/openai-compatible';
import { OpenAiServers } from '../../../src/main/providers/openai-servers';
import type { ProviderEvent } from '../../../src/main/providers/provider';
import { FileSecretStore } from '../../../src/main/secrets/file-secret-store';
import { MemorySecretStore } from '../../../src/main/secrets/secret-store';
import { startLocalApi } from '../../../src/main/server/local-api';
import type { Services } from '../../../src/main/services';
import type { ChatEvent } from '../../../src/shared/contract/chat';
import { AppError } from '../../../src/shared/errors';
import { ANSWER, MODEL, REASONING, startFakeOpenAi, TIMINGS, tokens, type FakeOpenAi } from '../../fixtures/openai/fake-openai';
import { writeTinyLlamaFile } from '../../fixtures/lpu/tiny-models';
import { addDocument, HANDBOOK, openTestServices, tempDataDir, testChatService } from '../chat/library';

// The OpenAI-compatible provider against a local server speaking llama.cpp's dialect (and breaking it on purpose),
// against Lockstep's own local API, and inside a whole answer with the fallback to the local model.

let fake: FakeOpenAi;
const savedLog = process.env.LOCKSTEP_LOG;
beforeAll(async () => {
  // The fallbacks log a warning by design; keep the test output quiet.
  process.env.LOCKSTEP_LOG = 'silent';
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
  if (savedLog === undefined) delete process.env.LOCKSTEP_LOG;
  else process.env.LOCKSTEP_LOG = savedLog;
});
const cleanups: (() => Promise<void> | void)[] = [];
beforeEach(() => fake.reset());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const messages = [
  { role: 'system' as const, content: 'Answer from the sources.' },
  { role: 'user' as const, content: 'How many days of leave?' },
];
const provider = (options: Partial<ConstructorParameters<typeof OpenAiCompatibleProvider>[0]> = {}) =>
  new OpenAiCompatibleProvider({ baseURL: fake.baseURL, model: MODEL, ...options });

async function generate(p: OpenAiCompatibleProvider, signal = new AbortController().signal) {
  const events: ProviderEvent[] = [];
  const result = await p.generate({ messages, maxTokens: 64, temperature: 0, signal }, (e) => events.push(e));
  return { result, events, texts: (type: 'delta' | 'reasoning') => events.filter((e) => e.type === type).map((e) => (e as { text: string }).text) };
}

/** The AppError a failing generation rejects with, and how long it took. */
async function failure(p: OpenAiCompatibleProvider, signal?: AbortSignal): Promise<{ error: AppError; ms: number }> {
  const started = Date.now();
  const error = await generate(p, signal).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return { error: error as AppError, ms: Date.now() - started };
}

describe('OpenAI-compatible provider (llama.cpp dialect)', () => {
  it('lists the models with the context window llama.cpp reports, sending the key only as a bearer token', async () => {
    fake.apiKey = 'sk-local-0123456789';
    fake.models = [{ id: MODEL, n_ctx_train: 32768 }, { id: 'embed-only' }];
    expect(await listOpenAiModels(fake.baseURL, 'sk-local-0123456789')).toEqual([
      { id: MODEL, ownedBy: 'llamacpp', contextWindow: 32768 },
      { id: 'embed-only', ownedBy: 'llamacpp', contextWindow: null },
    ]);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models', authorization: 'Bearer sk-local-0123456789' });
    await expect(listOpenAiModels(fake.baseURL, 'sk-wrong-key-000')).rejects.toMatchObject({ code: 'openai_key_rejected' });
  });

  it('streams the answer token by token and meters TTFT, tokens/s, the usage and llama.cpp timings', async () => {
    fake.chunkDelayMs = 15;
    const { result, texts, events } = await generate(provider({ apiKey: 'sk-local-0123456789' }));
    expect(texts('delta')).toEqual(tokens(ANSWER));
    expect(result).toMatchObject({ text: ANSWER, stopReason: 'stop', reasoning: undefined });
    expect(result.meters).toMatchObject({
      provider: 'openai',
      server: new URL(fake.baseURL).host,
      promptTokens: 242,
      completionTokens: tokens(ANSWER).length,
      // No prompt_tokens_details in llama.cpp's usage: its cache_n says how much of the prompt was cached.
      cachedPromptTokens: 12,
      reasoningTokens: null,
      serverTimings: { promptMs: TIMINGS.prompt_ms, promptPerSecond: TIMINGS.prompt_per_second, predictedMs: TIMINGS.predicted_ms, predictedPerSecond: TIMINGS.predicted_per_second, cachedTokens: 12 },
    });
    const meters = result.meters.provider === 'openai' ? result.meters : null;
    expect(meters!.ttftMs).toBeGreaterThanOrEqual(10);
    // 10 tokens over ~9 gaps of 15 ms: the rate is measured from the first token to the last.
    expect(meters!.tokensPerSecond).toBeGreaterThan(20);
    expect(meters!.tokensPerSecond).toBeLessThan(200);
    // Live meters while streaming, then the final ones.
    expect(events.filter((e) => e.type === 'meters').length).toBeGreaterThanOrEqual(2);
    expect(fake.chatRequests()[0]).toEqual({
      model: MODEL,
      messages,
      max_tokens: 64,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-local-0123456789');
  });

  it.each(['reasoning_content', 'reasoning', 'think_tags'] as const)('keeps thinking sent as %s apart from the answer', async (field) => {
    fake.queue({ kind: 'reasoning', field });
    const { result, texts } = await generate(provider());
    expect(result.text).toBe(ANSWER);
    expect(texts('reasoning').join('').trim()).toBe(REASONING.trim());
    expect(result.reasoning?.trim()).toBe(REASONING.trim());
    const meters = result.meters.provider === 'openai' ? result.meters : null;
    expect(meters!.firstReasoningMs).not.toBeNull();
    expect(meters!.reasoningMs).not.toBeNull();
  });

  it('accepts a stream that ends with a finish_reason but no [DONE]', async () => {
    fake.queue({ kind: 'no_done' });
    expect((await generate(provider())).result).toMatchObject({ text: ANSWER, stopReason: 'stop' });
  });

  it('turns refusals into errors a user can act on: 401 key, 404 model, 400 request, 500 server', async () => {
    fake.apiKey = 'sk-right-0123456789';
    const host = new URL(fake.baseURL).host;
    expect((await failure(provider({ apiKey: 'sk-wrong' }))).error).toMatchObject({
      code: 'openai_key_rejected',
      message: `The server at ${host} refused the API key (HTTP 401). Check the key for this server in Settings → Providers.`,
    });
    fake.apiKey = null;
    expect((await failure(provider({ model: 'llama-3-70b' }))).error).toMatchObject({
      code: 'openai_model_gone',
      message: `The server at ${host} does not serve the model llama-3-70b (model 'llama-3-70b' not found). Pick another model for it in Settings → Providers.`,
    });
    fake.queue({ kind: 'status', status: 400, body: { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' } } });
    expect((await failure(provider())).error).toMatchObject({
      code: 'openai_failed',
      message: `The server at ${host} refused the request (HTTP 400: the request exceeds the available context size). Check its address and model in Settings → Providers.`,
    });
    fake.queue({ kind: 'status', status: 500, body: { error: { code: 500, message: 'Internal Server Error', type: 'server_error' } } });
    expect((await failure(provider())).error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} failed (HTTP 500: Internal Server Error).` });
  });

  it('treats malformed, cut-off and failed streams as a broken connection (openai_unreachable)', async () => {
    const host = new URL(fake.baseURL).host;
    fake.queue({ kind: 'malformed_chunk' });
    expect((await failure(provider())).error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} sent part of the answer in a form Lockstep could not read.` });
    fake.queue({ kind: 'cut_off' });
    expect((await failure(provider())).error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} closed the connection before the answer was complete.` });
    fake.queue({ kind: 'error_event' });
    expect((await failure(provider())).error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} stopped the answer: slot unavailable: the model crashed` });
  });

  it('gives up on a server that stalls, before the headers or mid-stream, instead of hanging', async () => {
    const host = new URL(fake.baseURL).host;
    fake.queue({ kind: 'stall_before_headers' });
    const before = await failure(provider({ firstEventTimeoutMs: 300 }));
    expect(before.error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} sent nothing for 0.3 s, so Lockstep stopped waiting.` });
    expect(before.ms).toBeLessThan(3000);
    fake.queue({ kind: 'stall_mid_stream' });
    const during = await failure(provider({ idleTimeoutMs: 300 }));
    expect(during.error).toMatchObject({ code: 'openai_unreachable', message: `The server at ${host} stopped sending the answer for 0.3 s, so Lockstep stopped waiting.` });
    expect(during.ms).toBeLessThan(3000);
  });

  it('says nothing answers at an address where no server listens, and stops at once when cancelled', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await failure(provider({ baseURL: `http://127.0.0.1:${port}/v1` }));
    expect(refused.error).toMatchObject({
      code: 'openai_unreachable',
      message: `Nothing answered at 127.0.0.1:${port}. Start the server (Ollama, LM Studio, llama.cpp) or check its address in Settings → Providers.`,
    });

    fake.queue({ kind: 'stall_mid_stream' });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const cancelled = await failure(provider(), abort.signal);
    expect(cancelled.error.code).toBe('cancelled');
    expect(cancelled.ms).toBeLessThan(2000);
  });
});

describe("OpenAI-compatible provider against Lockstep's own local API", () => {
  it('lists "lockstep" and streams the emulator\'s tokens with its usage, and a wrong token is a rejected key', async () => {
    const data = tempDataDir('lockstep-openai-self-');
    const services = openTestServices(data.dir);
    cleanups.push(() => data.remove(), () => services.close());
    services.settings.update({ chatModelId: writeTinyLlamaFile(data.dir) });
    const api = await startLocalApi({ services, port: 0, token: 'lsk_test_token_0123456789' });
    cleanups.push(() => api.close());

    expect((await listOpenAiModels(api.url, 'lsk_test_token_0123456789')).map((m) => m.id)).toContain('lockstep');
    const self = new OpenAiCompatibleProvider({ baseURL: api.url, model: 'lockstep', apiKey: 'lsk_test_token_0123456789' });
    const events: ProviderEvent[] = [];
    const result = await self.generate({ messages, maxTokens: 12, temperature: 0, signal: new AbortController().signal }, (e) => events.push(e));
    expect(result.stopReason).toBe('length');
    expect(result.text).toBe(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join(''));
    expect(result.meters).toMatchObject({ provider: 'openai', completionTokens: 12, server: `127.0.0.1:${api.port}` });
    expect(result.meters.provider === 'openai' && result.meters.promptTokens).toBeGreaterThan(5);

    const stranger = new OpenAiCompatibleProvider({ baseURL: api.url, model: 'lockstep', apiKey: 'lsk_wrong_token_000000' });
    await expect(stranger.generate({ messages, maxTokens: 4, signal: new AbortController().signal }, () => {})).rejects.toMatchObject({ code: 'openai_key_rejected' });
  });
});

describe('OpenAI-compatible servers in a whole answer', () => {
  function library(options: { chatModel?: boolean } = {}) {
    const data = tempDataDir('lockstep-openai-');
    const services: Services = openTestServices(data.dir);
    addDocument(services.db, 'Handbook', HANDBOOK);
    if (options.chatModel) services.settings.update({ chatModelId: writeTinyLlamaFile(data.dir) });
    const secrets = new MemorySecretStore();
    const chat = testChatService(services, { secrets });
    cleanups.push(() => data.remove(), () => services.close(), () => chat.close());
    const servers = new OpenAiServers({ settings: services.settings, secrets });
    const run = async () => {
      const events: ChatEvent[] = [];
      const record = await ask(chat, { question: 'How many days of annual leave?' }, (e) => events.push(e), new AbortController().signal);
      return { events, record };
    };
    return { services, servers, run };
  }

  it('adds a server (key kept as a secret), answers through it with a cited answer and its meters', async () => {
    fake.apiKey = 'sk-local-0123456789';
    const { services, servers, run } = library();
    const added = await servers.add({ name: 'llama.cpp server', baseURL: fake.baseURL, apiKey: 'sk-local-0123456789', model: MODEL });
    expect(added).toMatchObject({ name: 'llama.cpp server', baseURL: fake.baseURL, model: MODEL, contextTokens: 32768, hasKey: true });
    expect(JSON.stringify(services.settings.get())).not.toContain('sk-local');
    services.settings.update({ provider: 'openai' });
    expect(await servers.test(added.id)).toEqual({ ok: true, message: `${new URL(fake.baseURL).host} answers and serves ${MODEL} (1 model listed).` });

    const { events, record } = await run();
    expect(events[0]).toMatchObject({ type: 'started', provider: 'openai', model: MODEL });
    expect(record).toMatchObject({ provider: 'openai', model: MODEL, status: 'complete', content: ANSWER });
    expect(record.sources.filter((s) => s.cited).map((s) => s.ordinal)).toEqual([1]);
    expect(record.meters).toMatchObject({ provider: 'openai', promptTokens: 242, serverTimings: { predictedPerSecond: TIMINGS.predicted_per_second } });
    // The passages went to the server in the system turn, with the key.
    const sent = fake.chatRequests().at(-1)!.messages as { role: string; content: string }[];
    expect(sent[0]!.content).toContain('25 days of paid annual leave');

    expect(servers.remove(added.id)).toBe(true);
    expect(servers.list()).toEqual({ servers: [], activeId: '' });
  });

  it('keeps the key encrypted on disk, never in plain text', async () => {
    const data = tempDataDir('lockstep-openai-secret-');
    cleanups.push(() => data.remove());
    const services = openTestServices(data.dir);
    cleanups.push(() => services.close());
    const servers = new OpenAiServers({ settings: services.settings, secrets: new FileSecretStore(data.dir) });
    const added = await servers.add({ name: 'Ollama', baseURL: fake.baseURL, apiKey: 'sk-plain-text-never', model: MODEL });
    const files = readdirSync(path.join(data.dir, 'secrets')).map((f) => readFileSync(path.join(data.dir, 'secrets', f), 'utf8'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => f.includes('sk-plain-text-never'))).toBe(false);
    expect(new FileSecretStore(data.dir).get(`openai.${added.id}.apiKey`)).toBe('sk-plain-text-never');
  });

  it('falls back to the local LPU emulator when the stream is cut off, dropping what streamed', async () => {
    const { servers, services, run } = library({ chatModel: true });
    await servers.add({ name: 'LM Studio', baseURL: fake.baseURL, model: MODEL });
    services.settings.update({ provider: 'openai' });
    fake.queue({ kind: 'cut_off' });
    const { events, record } = await run();
    const fallbackAt = events.findIndex((e) => e.type === 'notice' && e.kind === 'fallback');
    expect(events.slice(0, fallbackAt).filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text)).toEqual(tokens(ANSWER).slice(0, 2));
    expect(events[fallbackAt]).toMatchObject({
      resetText: true,
      fallbackTo: 'lpu',
      fallbackFrom: 'openai',
      message: `The server at ${new URL(fake.baseURL).host} could not be reached, so the local LPU emulator is answering instead.`,
    });
    expect(record).toMatchObject({ provider: 'lpu', model: 'tiny-llama', status: 'complete' });
    expect(record.meters).toMatchObject({ provider: 'lpu' });
  });

  it('falls back to cited sentences on a 500 without a local model, and reports a refused key without falling back', async () => {
    const { servers, services, run } = library();
    await servers.add({ name: 'vLLM', baseURL: fake.baseURL, apiKey: 'sk-old-key-000', model: MODEL });
    services.settings.update({ provider: 'openai' });
    fake.queue({ kind: 'status', status: 503, body: { error: { message: 'Loading model', type: 'unavailable_error', code: 503 } } });
    const unavailable = await run();
    expect(unavailable.events.find((e) => e.type === 'notice' && e.kind === 'fallback')).toMatchObject({ fallbackTo: 'extractive', fallbackFrom: 'openai' });
    expect(unavailable.record).toMatchObject({ provider: 'extractive', status: 'complete' });

    fake.apiKey = 'sk-new-key-111';
    const refused = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'openai_key_rejected' });
  });
});

describe('OpenAI-compatible server list', () => {
  it('picks a model after adding, switches the active server and forgets a removed server with its key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lockstep-openai-list-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const services = openTestServices(dir);
    cleanups.push(() => services.close());
    const secrets = new MemorySecretStore();
    const servers = new OpenAiServers({ settings: services.settings, secrets });
    fake.models = [{ id: MODEL, n_ctx_train: 32768 }, { id: 'qwen3-8b', n_ctx_train: 40960 }];
    const first = await servers.add({ name: 'First', baseURL: fake.baseURL, apiKey: 'sk-first-0000', model: MODEL });
    const second = await servers.add({ name: 'Second', baseURL: fake.baseURL, model: 'qwen3-8b' });
    expect(servers.list().activeId).toBe(second.id);
    expect(await servers.update({ id: first.id, model: 'qwen3-8b', active: true })).toMatchObject({ model: 'qwen3-8b', contextTokens: 40960, hasKey: true });
    expect(servers.list().activeId).toBe(first.id);
    fake.models = [{ id: MODEL }];
    expect(await servers.test(first.id)).toEqual({ ok: false, message: `${new URL(fake.baseURL).host} answers, but does not list qwen3-8b any more. Pick one of its 1 models.` });
    expect(servers.remove(first.id)).toBe(true);
    expect(secrets.has(`openai.${first.id}.apiKey`)).toBe(false);
    expect(servers.list()).toMatchObject({ activeId: second.id, servers: [{ id: second.id }] });
    expect(servers.remove(first.id)).toBe(false);
  });
});
