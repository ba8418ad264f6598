import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGroq, type FakeGroq, type FakeReply } from '../fixtures/groq/fake-groq';
import { appWithDocuments } from './harness';
import { askQuestion, dropFiles, recordTexts, recorded, saveFakeGroqKey } from './support';

// The degradation chain seen by the user: a fake Groq that answers 500 to every request. Each answer is handed down
// the chain (no local chat model here, so to extractive sentences) and none is lost; after three failures the error
// rate crosses its threshold, the chain steps below Groq with a toast and a badge on Health, and the next question
// goes straight to the channel below without asking Groq.

const HANDBOOK = [
  '# Handbook',
  '',
  'Every employee receives 25 days of paid annual leave per calendar year.',
  '',
  'Travel expenses are reimbursed within 30 days of the receipt.',
].join('\n');
const SERVER_ERROR: FakeReply = { kind: 'status', status: 500, body: { error: { message: 'Internal Server Error', type: 'internal_server_error' } } };
// No local chat model here: the step below Groq answers with sentences, and the alert says so rather than naming the LPU.
const STEPPED_DOWN = 'Answering on the extractive channel (sentences from your documents), as no local chat model is installed: error rate 100% (3 of 3 answers in 10 min) exceeded 20% on Groq.';

let groq: FakeGroq;
// Registered before the app's own hooks, so the fake Groq is up when the app starts with its address.
beforeAll(async () => {
  groq = await startFakeGroq();
});
afterAll(async () => groq?.close());
const session = appWithDocuments('degradation', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK), { env: () => ({ GROQ_BASE_URL: groq.baseURL }) });
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);
const lastAnswer = () => page().locator('[data-testid="assistant-message"]').last();

describe('Degradation alerts in the desktop UI', () => {
  it('answers every question while Groq fails, then raises a toast and a Health badge and answers below Groq', async () => {
    await byTestId('welcome-start').click();
    await saveFakeGroqKey(page());
    await dropFiles(page(), [path.join(session.docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file$="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await byTestId('provider-groq').click();
    await expect.poll(() => byTestId('provider-groq').getAttribute('aria-checked')).toBe('true');

    groq.queue(...Array.from({ length: 20 }, () => SERVER_ERROR));
    // Toasts last five seconds: every one the page shows is recorded as it appears.
    await recordTexts(page(), 'toasts', '[data-testid="toast"]');
    const questions = ['How many days of annual leave do employees get?', 'How are travel expenses reimbursed?', 'When are receipts for travel reimbursed?'];
    for (const [i, question] of questions.entries()) {
      await askQuestion(page(), question);
      // Not lost: answered from the documents one step down, saying why.
      const channel = lastAnswer().getByTestId('served-channel');
      expect(await channel.getAttribute('data-channel')).toBe('extractive');
      expect(await channel.textContent()).toMatch(/^Answered on the extractive channel \(sentences from your documents\) because Groq failed \(.+\)\.$/);
      expect(groq.chatRequests()).toHaveLength(i + 1);
      // Two failures are not yet a rate over the window's minimum of three answers.
      if (i < 2) expect(await byTestId('health-badge').count()).toBe(0);
    }

    await expect.poll(() => recorded(page(), 'toasts'), { timeout: 10_000 }).toContain(STEPPED_DOWN);
    await expect.poll(() => byTestId('health-badge').textContent(), { timeout: 10_000 }).toBe('1');
    await session.app().screenshot('degradation-alert-en-light');

    // The chain now stands below Groq: the next question is not sent there, and says which channel answered and why.
    await askQuestion(page(), 'How many days of annual leave do employees get each year?');
    expect(groq.chatRequests()).toHaveLength(3);
    const served = lastAnswer().getByTestId('served-channel');
    expect(await served.getAttribute('data-channel')).toBe('extractive');
    expect(await served.textContent()).toBe('Answered on the extractive channel (sentences from your documents) because error rate 100% (3 of 3 answers in 10 min) exceeded 20%.');
    expect(await lastAnswer().locator('.markdown').textContent()).toMatch(/25 days of paid annual leave/);

    // The meters say where the chain stands; the Health view lists the open alert; dismissing it clears the badge.
    expect(await byTestId('degradation-status').textContent()).toContain(
      'Answers go to the extractive channel (sentences from your documents), as no local chat model is installed: error rate 100% (3 of 3 answers in 10 min) exceeded 20%.',
    );
    expect(await byTestId('degradation-status').textContent()).not.toContain('LPU');
    await byTestId('nav-health').click();
    await expect.poll(() => byTestId('health-alerts').textContent(), { timeout: 10_000 }).toContain(STEPPED_DOWN);
    await byTestId('nav-chat').click();
    await byTestId('dismiss-alerts').click();
    await expect.poll(() => byTestId('health-badge').count(), { timeout: 10_000 }).toBe(0);
    groq.reset();
  });
});
