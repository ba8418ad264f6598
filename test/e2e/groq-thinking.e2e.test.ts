import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, startFakeGroq, type FakeGroq } from '../fixtures/groq/fake-groq';
import { appWithDocuments } from './harness';
import { dropFiles, recordTexts, recorded } from './support';

// Groq with a reasoning model, end to end: browser mode talks to a fake Groq (GROQ_BASE_URL), the key saved in
// Settings picks a model from the key's listing, and the answer shows a collapsed, live "Thinking" section above
// an answer whose citation still opens its page.

const HANDBOOK = [
  '# Acme Employee Handbook',
  '',
  '## Annual leave',
  '',
  'Every employee receives 25 days of paid annual leave per calendar year. Leave requests go to your manager.',
  '',
  '## Expenses',
  '',
  'Travel expenses are reimbursed within 30 days when the receipt is submitted through the finance portal.',
].join('\n');

let groq: FakeGroq;
// Registered before the app's own hooks, so the fake Groq is up when the app starts with its address.
beforeAll(async () => {
  groq = await startFakeGroq();
});
afterAll(async () => groq?.close());
const session = appWithDocuments('groq', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK), { env: () => ({ GROQ_BASE_URL: groq.baseURL }) });
const app = () => session.app();
const docs = () => session.docs();

const page = () => app().page;
const byTestId = (id: string) => page().getByTestId(id);

describe('Groq reasoning models in the desktop UI', () => {
  it('saves a key, chooses a model the key can use and marks reasoning models with their context window', async () => {
    await byTestId('welcome-start').click();
    await byTestId('nav-settings').click();
    await byTestId('settings-answers').click();
    await byTestId('groq-key-input').fill('gsk_e2e_0123456789abcdef');
    await page().getByRole('button', { name: 'Save key' }).click();
    const select = byTestId('groq-model-select');
    await expect.poll(() => select.inputValue(), { timeout: 20_000 }).toBe('openai/gpt-oss-20b');
    const options = await select.locator('option').allTextContents();
    expect(options).toContain('openai/gpt-oss-20b · 131,072 tokens · reasoning');
    // Speech, TTS and guard models cannot answer and are not offered.
    expect(options.some((o) => /whisper|tts|guard/.test(o))).toBe(false);
    // gpt-oss takes low/medium/high effort; the service tier is always offered.
    expect(await byTestId('groq-effort').locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value))).toEqual(['default', 'low', 'medium', 'high']);
    await byTestId('groq-effort').selectOption('low');
    await byTestId('groq-tier').selectOption('flex');
    await app().screenshot('settings-groq-models-en-light');
  });

  it('shows the Thinking section live, then collapsed beside an answer whose citation opens its page', async () => {
    await dropFiles(page(), [path.join(docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file$="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await byTestId('provider-groq').click();
    await expect.poll(() => byTestId('provider-groq').getAttribute('aria-checked')).toBe('true');

    // Slow the stream so the thinking is seen while it happens.
    groq.chunkDelayMs = 150;
    await recordTexts(page(), 'thinkingStates', '[data-testid="thinking"] summary');
    await page().getByLabel('Question').fill('How many days of annual leave do employees get?');
    await page().keyboard.press('Enter');
    const answer = page().locator('[data-testid="assistant-message"]').last();
    await page().locator('[data-testid="assistant-message"][data-status="complete"]').waitFor({ timeout: 60_000 });

    // The live phase lasts a few hundred ms: every summary the page rendered was recorded as it happened, so the
    // check reads that record instead of racing the stream with a wait.
    const states = await recorded(page(), 'thinkingStates');
    expect(states.some((s) => s.startsWith('Thinking…'))).toBe(true);
    expect(states.some((s) => /^Thinking… · \d+ tokens? · /.test(s))).toBe(true);
    const thinking = answer.getByTestId('thinking');
    expect(await thinking.getAttribute('data-live')).toBe('false');
    // Collapsed: the summary carries the figures, the text stays hidden until opened.
    expect(await thinking.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    expect(await thinking.locator('summary').textContent()).toMatch(/^Thinking · 24 tokens · \d+\.\d s$/);
    expect(await answer.getByTestId('thinking-text').count()).toBe(0);
    // The answer is only the answer; the thinking's [2] is no citation.
    const markdown = (await answer.locator('.markdown').textContent()) ?? '';
    expect(markdown.replace(/\s+/g, ' ')).toContain(ANSWER.join('').replace(' [1].', ''));
    expect(markdown).not.toMatch(/think|carry-over/i);
    expect(await answer.getByTestId('citation').count()).toBe(1);
    // The request asked for the reasoning and sent the chosen effort and tier.
    expect(groq.chatRequests().at(-1)).toMatchObject({ model: 'openai/gpt-oss-20b', include_reasoning: true, reasoning_effort: 'low', service_tier: 'flex' });
    // The meters split TTFT into first thinking and first answer token, with the cloud figures.
    await expect.poll(() => byTestId('meter-reasoning-tokens').textContent()).toBe('24');
    expect(await byTestId('meter-cached-prompt').textContent()).toBe('256 / 420');
    expect(await byTestId('meter-tier').textContent()).toBe('flex');
    expect(await byTestId('meter-ttft-reasoning').textContent()).toMatch(/ms$/);
    await app().screenshot('chat-groq-thinking-collapsed-en-light');

    await answer.getByTestId('citation').first().click();
    await page().locator('[data-testid="text-page"] mark.passage-highlight').first().waitFor({ timeout: 30_000 });
    expect((await page().locator('[data-testid="text-page"] mark.passage-highlight').allTextContents()).join(' ')).toMatch(/25 days of paid annual leave/);
    await page().keyboard.press('Escape');

    await thinking.locator('summary').click();
    await expect.poll(() => answer.getByTestId('thinking-text').textContent()).toBe('The user asks about leave. Source [1] says 25 days; [2] is about carry-over, not needed.');
    await app().screenshot('chat-groq-thinking-open-en-light');
  });
});
