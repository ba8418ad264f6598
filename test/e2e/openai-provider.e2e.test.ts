import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, MODEL, startFakeOpenAi, TIMINGS, tokens, type FakeOpenAi } from '../fixtures/openai/fake-openai';
import { appWithDocuments } from './harness';
import { dropFiles, recordTexts, recorded } from './support';

// An OpenAI-compatible server end to end: in Settings the user adds a server from the llama.cpp preset (pointed at a
// local test server speaking llama.cpp's dialect), with a key, picks a model from its listing and checks its health;
// the chat then streams a cited answer from it, token by token, with the server's meters.

const HANDBOOK = [
  '# Acme Employee Handbook',
  '',
  '## Annual leave',
  '',
  'Every employee receives 25 days of paid annual leave per calendar year. Leave requests go to your manager.',
].join('\n');
const KEY = 'sk-e2e-local-0123456789';

let server: FakeOpenAi;
// Registered before the app's own hooks, so the test server is up before the app starts.
beforeAll(async () => {
  server = await startFakeOpenAi();
  server.apiKey = KEY;
});
afterAll(async () => server?.close());
const session = appWithDocuments('openai', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK));
const app = () => session.app();
const docs = () => session.docs();

const page = () => app().page;
const byTestId = (id: string) => page().getByTestId(id);
const host = () => new URL(server.baseURL).host;

describe('OpenAI-compatible server in the desktop UI', () => {
  it('adds a server from a preset with a key and a model from its listing, and checks its health', async () => {
    await byTestId('welcome-start').click();
    await byTestId('nav-settings').click();
    await byTestId('settings-answers').click();
    await byTestId('openai-preset-llama-cpp').click();
    expect(await byTestId('openai-name').inputValue()).toBe('llama.cpp server');
    expect(await byTestId('openai-url').inputValue()).toBe('http://127.0.0.1:8080/v1');
    // The test server listens elsewhere: the address is the user's to change.
    await byTestId('openai-url').fill(server.baseURL);
    // Without the key the server refuses to list its models, and says so.
    await byTestId('openai-list-models').click();
    await expect.poll(() => byTestId('openai-add-error').textContent()).toBe(`The server at ${host()} refused the API key (HTTP 401). Check the key for this server in Settings → Providers.`);
    await byTestId('openai-key').fill(KEY);
    await byTestId('openai-list-models').click();
    const select = byTestId('openai-model-select');
    await expect.poll(() => select.inputValue()).toBe(MODEL);
    expect(await select.locator('option').allTextContents()).toEqual([`${MODEL} · 32,768 tokens`]);
    await byTestId('openai-add').click();

    const row = byTestId('openai-server-row');
    await expect.poll(() => row.getAttribute('data-active')).toBe('true');
    expect(await byTestId('openai-key').inputValue()).toBe('');
    await row.getByTestId('openai-server-test').click();
    await expect.poll(() => byTestId('openai-result').textContent()).toBe(`${host()} answers and serves ${MODEL} (1 model listed).`);
    // The key went to the server only as a bearer token, and the UI never gets it back.
    expect(server.requests.filter((r) => r.path === '/v1/models').at(-1)!.authorization).toBe(`Bearer ${KEY}`);
    expect(await page().content()).not.toContain(KEY);
    await app().screenshot('settings-openai-server-en-light');
  });

  it('streams a cited answer from the server with its meters', async () => {
    await dropFiles(page(), [path.join(docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file$="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    // Adding the server made it the provider; the switch is named after it.
    const choice = byTestId('provider-openai');
    await expect.poll(() => choice.getAttribute('aria-checked')).toBe('true');
    expect(await choice.textContent()).toContain('llama.cpp server');

    // Slow the stream so the answer is seen growing token by token.
    server.chunkDelayMs = 80;
    await recordTexts(page(), 'answerTexts', '[data-testid="assistant-message"] .markdown');
    await page().getByLabel('Question').fill('How many days of annual leave do employees get?');
    await page().keyboard.press('Enter');
    const answer = page().locator('[data-testid="assistant-message"]').last();
    await page().locator('[data-testid="assistant-message"][data-status="complete"]').waitFor({ timeout: 60_000 });

    const growth = (await recorded(page(), 'answerTexts')).filter((text) => text.trim().length > 0);
    expect(growth.length).toBeGreaterThanOrEqual(tokens(ANSWER).length / 2);
    const markdown = ((await answer.locator('.markdown').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(markdown).toContain(ANSWER.replace(' [1].', ''));
    expect(await answer.getByTestId('citation').count()).toBe(1);
    // The request carried the passages and asked for the usage in the stream.
    const sent = server.chatRequests().at(-1)!;
    expect(sent).toMatchObject({ model: MODEL, stream: true, stream_options: { include_usage: true } });
    expect(JSON.stringify(sent.messages)).toContain('25 days of paid annual leave');

    await expect.poll(() => byTestId('meter-prompt-tokens').textContent()).toBe('242');
    expect(await byTestId('meter-tokens').textContent()).toBe(String(tokens(ANSWER).length));
    expect(await byTestId('meter-server').textContent()).toBe(host());
    expect(await byTestId('meter-ttft').textContent()).toMatch(/ms$/);
    expect(await byTestId('meter-tps').textContent()).toMatch(/^\d+(\.\d)?$/);
    expect(await byTestId('meter-server-generation').textContent()).toBe(`${TIMINGS.predicted_ms.toFixed(0)} ms · ${TIMINGS.predicted_per_second.toFixed(1)}`);
    await app().screenshot('chat-openai-server-answer-en-light');

    await answer.getByTestId('citation').first().click();
    await page().locator('[data-testid="text-page"] mark.passage-highlight').first().waitFor({ timeout: 30_000 });
    expect((await page().locator('[data-testid="text-page"] mark.passage-highlight').allTextContents()).join(' ')).toMatch(/25 days of paid annual leave/);
  });
});
