import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWithDocuments } from './harness';
import { askQuestion, dropFiles } from './support';

// Ctrl+Shift+F searches thread titles and messages, and the documents beside them; a hit opens its thread with the
// message in view, a passage opens in the viewer.

const HANDBOOK = ['# Handbook', '', 'Every employee receives 25 days of paid annual leave per calendar year.', '', 'Travel expenses are reimbursed within 30 days of the receipt.'].join('\n');

const session = appWithDocuments('search', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK));
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);

const ask = (question: string) => askQuestion(page(), question);

describe('conversation search', () => {
  it('finds a question from another thread and opens that thread at the message', async () => {
    await byTestId('welcome-start').click();
    await dropFiles(page(), [path.join(session.docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await ask('How many days of annual leave do employees get?');
    await page().keyboard.press('Control+k');
    await ask('How are travel expenses reimbursed?');

    await page().keyboard.press('Control+Shift+F');
    await byTestId('search-input').waitFor();
    expect(await page().evaluate(() => document.activeElement?.id)).toBe('search-input');
    await page().keyboard.type('ANNUAL leave');
    await byTestId('search-hits').waitFor();
    const hits = byTestId('search-hit');
    const texts = await hits.allTextContents();
    // The first thread's title, its question and its answer; nothing from the travel thread.
    expect(texts.some((text) => text.includes('How many days of annual leave do employees get?'))).toBe(true);
    const threadsHit = await hits.locator('.search-hit-thread').allTextContents();
    expect(new Set(threadsHit)).toEqual(new Set(['How many days of annual leave do employees get?']));
    await session.app().screenshot('search-conversations-en-light');

    const question = hits.filter({ hasText: 'You' }).first();
    const messageId = await question.getAttribute('data-message-id');
    await question.click();
    const shown = page().locator(`[data-message-id="${messageId}"][data-shown="true"]`);
    await shown.waitFor();
    await expect.poll(() => shown.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    expect(await shown.textContent()).toContain('How many days of annual leave do employees get?');
    expect(await page().locator('.chat-title').textContent()).toMatch(/annual leave/);

    // The documents are searched beside the conversations; a passage opens in the viewer, highlighted.
    await page().keyboard.press('Control+Shift+F');
    await byTestId('search-input').fill('reimbursed');
    const passage = byTestId('search-passage').first();
    await passage.waitFor();
    expect(await passage.textContent()).toContain('handbook.md');
    // Where the passage sits in its document (its headings) is shown above the text.
    expect(await passage.getByTestId('search-passage-context').textContent()).toContain('Handbook');
    await passage.click();
    await page().locator('[data-testid="text-page"] mark.passage-highlight').first().waitFor({ timeout: 30_000 });
    expect(await page().locator('[data-testid="text-page"] mark.passage-highlight').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/reimbursed/)]));

    await page().keyboard.press('Control+Shift+F');
    await byTestId('search-input').fill('no such words anywhere');
    await page().getByText('No conversation mentions “no such words anywhere”.').waitFor();
  });
});
