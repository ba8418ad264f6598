import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zhCN } from '../../src/renderer/i18n/zh-CN';
import { startFakeGroq, type FakeGroq } from '../fixtures/groq/fake-groq';
import { appWithDocuments } from './harness';
import { dropFiles, saveFakeGroqKey } from './support';

// An answer cut by the answer limit ends with a notice and a Continue action; the notice is stored with the answer, so
// it is still there after a reload, and Continue asks the model to go on from the cut answer (browser mode, fake Groq).

let groq: FakeGroq;
// Registered before the app's own hooks, so the fake Groq is up when the app starts with its address.
beforeAll(async () => {
  groq = await startFakeGroq();
});
afterAll(async () => groq?.close());
const session = appWithDocuments(
  'limit',
  (folder) => writeFileSync(path.join(folder, 'handbook.md'), '# Handbook\n\n## Annual leave\n\nEvery employee receives 25 days of paid annual leave per calendar year.\n'),
  { env: () => ({ GROQ_BASE_URL: groq.baseURL }) },
);
const app = () => session.app();
const docs = () => session.docs();

const page = () => app().page;
const byTestId = (id: string) => page().getByTestId(id);
const assistants = () => page().locator('[data-testid="assistant-message"]');

describe('answer limit', () => {
  it('keeps the limit and keyword-only notices after a reload, and Continue asks the model to go on from the cut answer', async () => {
    await byTestId('welcome-start').click();
    await saveFakeGroqKey(page());
    await byTestId('nav-library').click();
    await dropFiles(page(), [path.join(docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await byTestId('provider-groq').click();
    await expect.poll(() => byTestId('provider-groq').getAttribute('aria-checked')).toBe('true');

    groq.queue({ kind: 'length' });
    await page().getByLabel('Question').fill('How many days of annual leave do employees get?');
    await page().keyboard.press('Enter');
    await page().locator('[data-testid="assistant-message"][data-status="complete"]').waitFor({ timeout: 60_000 });
    const notice = assistants().last().locator('.notice[data-kind="length_limit"]');
    await notice.waitFor();
    const limit = Number(groq.chatRequests().at(-1)!.max_completion_tokens);
    expect(limit).toBeGreaterThan(0);
    expect(await notice.textContent()).toContain(`Stopped at the ${limit}-token answer limit`);
    const cut = (await assistants().last().locator('.markdown').textContent())!.trim();
    // No embedding model in this data folder: the answer also says search ran on keywords, and keeps saying it after a reload.
    const keywordOnly = await assistants().last().locator('.notice[data-kind="keyword_only"]').textContent();
    expect(keywordOnly).toContain('No embedding model is installed, so search uses keywords only.');

    // After a reload the thread reopens with the same notice and Continue on its latest answer.
    await page().reload();
    await byTestId('thread-open').first().click();
    const restored = assistants().last().locator('.notice[data-kind="length_limit"]');
    await restored.waitFor({ timeout: 20_000 });
    expect(await restored.textContent()).toContain(`Stopped at the ${limit}-token answer limit`);
    expect(await assistants().last().locator('.notice[data-kind="keyword_only"]').textContent()).toBe(keywordOnly);
    await app().screenshot('chat-length-limit-after-reload-en-light');

    await byTestId('continue-answer').click();
    await expect.poll(() => assistants().count(), { timeout: 30_000 }).toBe(2);
    await page().locator('[data-testid="assistant-message"][data-status="complete"]').nth(1).waitFor({ timeout: 60_000 });
    // The model was asked to continue, with the cut answer in the conversation it was given.
    const request = groq.chatRequests().at(-1) as { messages: { role: string; content: string }[] };
    expect(request.messages.at(-1)).toMatchObject({ role: 'user', content: 'Continue your answer from where it stopped.' });
    expect(request.messages.some((m) => m.role === 'assistant' && m.content.includes(cut.slice(0, 20)))).toBe(true);
    // The continued answer finished normally: no notice, and Continue is gone from the older answer too.
    expect(await assistants().last().locator('.notice[data-kind="length_limit"]').count()).toBe(0);
    expect(await byTestId('continue-answer').count()).toBe(0);

    // In Chinese the keyword-only notice says its own reason's sentence (no embedding model here), carried from the server.
    await byTestId('nav-settings').click();
    await byTestId('settings-general').click();
    await byTestId('language-select').selectOption('zh-CN');
    await expect.poll(() => page().evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await byTestId('nav-chat').click();
    const reasoned = page().locator('.notice[data-kind="keyword_only"][data-reason="no_embedder"]').first();
    await expect.poll(() => reasoned.textContent()).toContain(zhCN['notice.keywordOnly.no_embedder']);
  });
});
