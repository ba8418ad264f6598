import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWithDocuments } from './harness';
import { askQuestion, dropFiles } from './support';

// A question asked again over the same documents is answered from the answer cache: the answer says "Cached" with
// its age and keeps the first answer's sources; Regenerate asks again and the tag goes (browser mode, no model:
// extractive answers, which the cache stores like any other).

const HANDBOOK = ['# Handbook', '', 'Every employee receives 25 days of paid annual leave per calendar year.', '', 'Travel expenses are reimbursed within 30 days of the receipt.'].join('\n');

const session = appWithDocuments('answer-cache', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK));
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);
const assistants = () => page().locator('[data-testid="assistant-message"]');

const ask = (question: string) => askQuestion(page(), question);

describe('answer cache', () => {
  it('marks a repeated question cached with its age and sources, and Regenerate asks again', async () => {
    await byTestId('welcome-start').click();
    await dropFiles(page(), [path.join(session.docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();

    await ask('How many days of annual leave do employees get?');
    expect(await assistants().first().getByTestId('cached-tag').count()).toBe(0);
    const firstText = await assistants().first().locator('.markdown').textContent();
    const firstSources = await assistants().first().locator('[data-testid="source"]').allTextContents();

    // A new thread, the same question written differently.
    await page().keyboard.press('Control+k');
    await ask('how many days of annual leave do employees get');
    const cached = assistants().last().getByTestId('cached-tag');
    await cached.waitFor();
    expect(await cached.textContent()).toMatch(/^Cached · \d+ s ago$/);
    expect(await assistants().last().locator('.markdown').textContent()).toBe(firstText);
    expect(await assistants().last().locator('[data-testid="source"]').allTextContents()).toEqual(firstSources);
    await session.app().screenshot('chat-cached-answer-en-light');

    await assistants().last().getByTestId('regenerate').click();
    await expect.poll(() => assistants().last().getByTestId('cached-tag').count(), { timeout: 60_000 }).toBe(0);
    await expect.poll(() => assistants().last().getAttribute('data-status'), { timeout: 60_000 }).toBe('complete');
    expect(await assistants().last().locator('.markdown').textContent()).toBe(firstText);
  });
});
