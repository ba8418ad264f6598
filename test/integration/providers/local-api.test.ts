import Groq, { AuthenticationError } from 'groq-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroqProvider } from '../../../src/main/providers/groq';
import type { ProviderEvent } from '../../../src/main/providers/provider';
import { startLocalApi, type LocalApi } from '../../../src/main/server/local-api';
import { manageLocalApi } from '../../../src/main/server/local-api-manager';
import type { Services } from '../../../src/main/services';
import { openTestServices, tempDataDir } from '../chat/library';
import { corpusPath, itWithCorpus } from '../../support/corpus';

// groq-sdk against Lockstep's own OpenAI-compatible API, answering with the LPU emulator running stories260K (a corpus file).

const STORIES = 'models/stories260K-gguf/stories260K.gguf';
const TOKEN = 'lsk_test_token_0123456789';
let data: ReturnType<typeof tempDataDir>;
let services: Services;
let api: LocalApi;
let groq: Groq;

beforeAll(async () => {
  data = tempDataDir();
  services = openTestServices(data.dir);
  // Only the tests that stream need stories260K; the rest check the API itself.
  const stories = corpusPath(STORIES);
  if (stories) services.settings.update({ chatModelId: stories });
  api = await startLocalApi({ services, port: 0, token: TOKEN });
  groq = new Groq({ apiKey: TOKEN, baseURL: `http://127.0.0.1:${api.port}`, maxRetries: 0 });
});
afterAll(async () => {
  await api.close();
  await services.close();
  data.remove();
});

const messages = [{ role: 'user' as const, content: 'Once upon a time' }];

describe('local OpenAI-compatible API (groq-sdk → Lockstep → LPU emulator)', () => {
  itWithCorpus([STORIES], 'lists the active chat model', async () => {
    const models = await groq.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['lockstep']);
  });

  itWithCorpus([STORIES], 'streams a greedy completion with x_groq.usage from the emulator, identical to the non-streamed one', async () => {
    const stream = await groq.chat.completions.create({ model: 'lockstep', messages, stream: true, max_completion_tokens: 24, temperature: 0 });
    let text = '';
    let deltas = 0;
    let usage: Record<string, number> | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta?.content ?? '';
      if (piece) deltas++;
      text += piece;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = (chunk.x_groq?.usage as Record<string, number> | undefined) ?? usage;
    }
    expect(deltas).toBeGreaterThan(5);
    expect(finish).toBe('length');
    expect(usage).toMatchObject({ completion_tokens: 24, queue_time: 0 });
    expect(usage!.prompt_tokens).toBeGreaterThan(5);
    expect(usage!.prompt_time).toBeGreaterThan(0);
    expect(usage!.completion_time).toBeGreaterThan(0);

    const plain = await groq.chat.completions.create({ model: 'lockstep', messages, max_completion_tokens: 24, temperature: 0 });
    expect(plain.choices[0].message.content).toBe(text);
    expect(plain.usage).toMatchObject({ completion_tokens: 24 });
  });

  itWithCorpus([STORIES], "feeds Lockstep's Groq provider: deltas and meters parsed from the emulator's usage", async () => {
    const provider = new GroqProvider({ apiKey: TOKEN, model: 'lockstep', baseURL: `http://127.0.0.1:${api.port}` });
    const events: ProviderEvent[] = [];
    const result = await provider.generate({ messages, maxTokens: 16, temperature: 0, signal: new AbortController().signal }, (e) => events.push(e));
    expect(result.text.length).toBeGreaterThan(10);
    expect(result.meters).toMatchObject({ provider: 'groq', completionTokens: 16, queueTime: 0 });
    expect(result.meters.provider === 'groq' && result.meters.promptTime).toBeGreaterThan(0);
  });

  it('refuses a wrong token, web-page origins and unknown paths, and sends no CORS headers', async () => {
    const stranger = new Groq({ apiKey: 'lsk_wrong_token_0123456789', baseURL: `http://127.0.0.1:${api.port}`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(AuthenticationError);

    const fromPage = await fetch(`http://127.0.0.1:${api.port}/v1/models`, { headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'https://evil.example' } });
    expect(fromPage.status).toBe(403);
    expect(fromPage.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`http://127.0.0.1:${api.port}/v1/chat/completions`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(401);
    expect([...preflight.headers.keys()].filter((h) => h.startsWith('access-control'))).toEqual([]);
    const unknown = await fetch(`http://127.0.0.1:${api.port}/v1/files`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: 'No such endpoint: GET /v1/files.', type: 'invalid_request_error', code: 'not_found' } });
  });

  it('answers /v1/embeddings with 503 and a clear reason when no embedding model is installed', async () => {
    const response = await fetch(`http://127.0.0.1:${api.port}/v1/embeddings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ input: 'hello' }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'embedder_not_installed',
      message: expect.stringContaining('No embedding model is installed'),
    });
  });

  it('rejects a malformed request with the field at fault', async () => {
    const response = await fetch(`http://127.0.0.1:${api.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'lockstep', messages: [] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^Invalid request at messages: /);
  });

  it('is off by default and follows the localApiEnabled setting', async () => {
    const manager = await manageLocalApi(services, { port: 0 });
    expect(manager.url()).toBeNull();
    const waitFor = async (wanted: (url: string | null) => boolean) => {
      for (let i = 0; i < 100 && !wanted(manager.url()); i++) await new Promise((r) => setTimeout(r, 20));
    };
    services.settings.update({ localApiEnabled: true });
    await waitFor((url) => url !== null);
    const url = manager.url()!;
    expect(services.chat.localApiUrl).toBe(url);
    const token = services.chat.secrets.get('localApi.token')!;
    expect(token).toMatch(/^lsk_/);
    expect((await fetch(`${url}/models`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    services.settings.update({ localApiEnabled: false });
    await waitFor((current) => current === null);
    await expect(fetch(`${url}/models`)).rejects.toThrow();
    await manager.close();
  });
});
