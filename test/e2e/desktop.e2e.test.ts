import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppUnderTest } from './harness';
import { corpusFile, describeWithCorpus } from '../support/corpus';
import { dropFiles, recordTexts, recorded } from './support';

// The desktop UI end to end in Chromium against the real browser-mode server: first run, drop → indexed,
// ask → streamed cited answer → viewer at the page, live meters, provider and language switches.

/** `lockstep folders add DIR` on the app's data folder, as a user types it: browser mode reads files by path only from there. */
function registerLibraryFolder(dataDir: string, folder: string): void {
  const run = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../../bin/lockstep.mjs'), 'folders', 'add', folder, '--json', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, LOCKSTEP_LOG: 'silent' } });
  if (run.status !== 0) throw new Error(`lockstep folders add failed: ${run.stdout}${run.stderr}`);
}

// The story runs on real documents and stories260K from the test corpus (test/corpus/manifest.json); the steps build
// on each other, so without any one of these files the whole story is skipped.
const TRACEMONKEY = 'corpus/docs/pdf/tracemonkey.pdf';
const NOTES = 'corpus/docs/text/unstructured-README.md';
const PASSWORD_PDF = 'corpus/docs/encrypted/password.pdf';
const CORRUPT_PDF = 'corpus/docs/malformed/bug1020226.pdf';
const STORIES = 'models/stories260K-gguf/stories260K.gguf';

describeWithCorpus([TRACEMONKEY, NOTES, PASSWORD_PDF, CORRUPT_PDF, STORIES], 'desktop app on the real documents', () => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await launchApp({ viewport: { width: 1280, height: 800 } });
    app.page.on('pageerror', (error) => pageErrors.push(`${error.message}\n${error.stack}`));
  });
  // Uncaught errors in the page fail the test that caused them.
  const pageErrors: string[] = [];
  afterAll(async () => app?.close());
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await app.screenshot(`failure-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    expect(pageErrors.splice(0)).toEqual([]);
  });

  const page = () => app.page;
  const byTestId = (id: string) => page().getByTestId(id);

  async function setLanguage(language: 'en' | 'zh-CN') {
    await byTestId('nav-settings').click();
    await byTestId('settings-general').click();
    await byTestId('language-select').selectOption(language);
    await expect.poll(() => page().evaluate(() => document.documentElement.lang)).toBe(language);
  }

  describe('desktop UI', () => {
    it('explains what works offline on first run and remembers the dismissal', async () => {
      await byTestId('welcome').waitFor();
      expect(await byTestId('welcome').textContent()).toContain('Keyword search');
      await app.screenshot('welcome-en-light');
      await byTestId('welcome-start').click();
      await byTestId('welcome').waitFor({ state: 'detached' });
      await page().reload();
      await byTestId('app').waitFor();
      expect(await byTestId('welcome').count()).toBe(0);
    });

    it('indexes dropped files, showing per-file progress on the way', async () => {
      await recordTexts(page(), 'stages', '[data-testid="document-progress"]');
      await dropFiles(page(), [corpusFile(TRACEMONKEY), corpusFile(NOTES)]);
      const row = page().locator('[data-testid="document-row"][data-file$="tracemonkey.pdf"]');
      await row.waitFor();
      // Best effort: capture the library mid-ingest for the docs (the assertion on stages below is the real check).
      await page().locator('[data-testid="document-progress"]').first().waitFor({ timeout: 10_000 }).then(
        () => app.screenshot('library-progress-en-light'),
        () => undefined,
      );
      await page().locator('[data-testid="document-row"][data-file$="tracemonkey.pdf"][data-status="indexed"]').waitFor({ timeout: 120_000 });
      await page().locator('[data-testid="document-row"][data-file$="unstructured-README.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
      const stages = await recorded(page(), 'stages');
      expect(stages.length).toBeGreaterThan(0);
      expect(await row.textContent()).toMatch(/14 pages/);
      await app.screenshot('library-en-light');
    });

    it('asks for the password of a protected PDF and explains a corrupt file in plain words', async () => {
      await dropFiles(page(), [corpusFile(PASSWORD_PDF), corpusFile(CORRUPT_PDF)]);
      const locked = page().locator('[data-testid="document-row"][data-file$="password.pdf"][data-status="needs_password"]');
      await locked.waitFor({ timeout: 60_000 });
      const corrupt = page().locator('[data-testid="document-row"][data-file$="bug1020226.pdf"][data-status="failed"]');
      await corrupt.waitFor({ timeout: 60_000 });
      expect((await corrupt.getByTestId('document-error').textContent())?.length).toBeGreaterThan(10);
      // In Chinese the library explains the failure in Chinese, not in the server's English sentence.
      await setLanguage('zh-CN');
      await byTestId('nav-library').click();
      expect(await corrupt.getByTestId('document-error').textContent()).toMatch(/[\u4e00-\u9fff]/);
      await app.screenshot('library-errors-zh-CN-light');
      await setLanguage('en');
      await byTestId('nav-library').click();
      await locked.getByTestId('enter-password').click();
      await page().getByRole('dialog').waitFor();
      await app.screenshot('password-en-light');
      // A wrong password keeps the dialog open with the reason and an empty field.
      await byTestId('password-input').fill('not-the-password');
      await page().keyboard.press('Enter');
      await byTestId('password-error').waitFor({ timeout: 60_000 });
      expect(await byTestId('password-input').inputValue()).toBe('');
      await byTestId('password-input').fill('password');
      await page().keyboard.press('Enter');
      await byTestId('password-dialog').waitFor({ state: 'detached', timeout: 60_000 });
      await page().locator('[data-testid="document-row"][data-file$="password.pdf"][data-status="indexed"]').waitFor({ timeout: 60_000 });
      // Keep the library to the two documents the later steps expect.
      for (const file of ['password.pdf', 'bug1020226.pdf']) {
        await page().locator(`[data-testid="document-row"][data-file$="${file}"]`).getByRole('button', { name: /^Delete/ }).click();
        await byTestId('confirm-action').click();
        await page().locator(`[data-testid="document-row"][data-file$="${file}"]`).waitFor({ state: 'detached' });
      }
    });

    it('streams a cited answer and opens the cited PDF page with the passage highlighted', async () => {
      await byTestId('nav-chat').click();
      await page().getByLabel('Question').fill('What is a trace tree in TraceMonkey?');
      await page().keyboard.press('Enter');
      const answer = page().locator('[data-testid="assistant-message"]').last();
      await answer.waitFor();
      await page().locator('[data-testid="assistant-message"][data-status="complete"]').waitFor({ timeout: 120_000 });
      expect((await answer.locator('.markdown').textContent())?.length).toBeGreaterThan(20);
      const citation = answer.getByTestId('citation').first();
      const title = (await citation.getAttribute('title'))!;
      const citedPage = Number(title.match(/p\. (\d+)/)![1]);
      await citation.click();
      await page().locator(`[data-testid="pdf-page"][data-page="${citedPage}"][data-loaded="true"]`).waitFor({ timeout: 60_000 });
      expect(await page().locator('[data-testid="pdf-page"] .passage-highlight').count()).toBeGreaterThan(0);
      expect(await byTestId('viewer-page').textContent()).toContain(`Page ${citedPage}`);
      await app.screenshot('chat-viewer-en-light');
      // A Markdown source opens as converted text with the chunk marked (a question that names that document, since
      // the TraceMonkey question is now routed to the paper alone).
      await page().getByLabel('Question').fill('How does the Unstructured library partition documents?');
      await page().keyboard.press('Enter');
      await page().locator('[data-testid="assistant-message"][data-status="complete"]').nth(1).waitFor({ timeout: 120_000 });
      const second = page().locator('[data-testid="assistant-message"]').nth(1);
      const showAll = second.getByRole('button', { name: /^Show all/ });
      if (await showAll.count()) await showAll.click();
      await second.getByTestId('source').filter({ hasText: 'Unstructured' }).first().click();
      await page().locator('[data-testid="text-page"] mark.passage-highlight').first().waitFor();
      await app.screenshot('viewer-text-en-light');
      // Esc closes an open menu and only the menu; the next Esc closes the viewer and focus returns to the source.
      await page().locator('.thread-item').first().getByRole('button', { name: /^Thread actions/ }).click();
      await page().getByRole('menu').waitFor();
      await page().keyboard.press('Escape');
      await page().getByRole('menu').waitFor({ state: 'detached' });
      expect(await byTestId('viewer').count()).toBe(1);
      await page().keyboard.press('Escape');
      await byTestId('viewer').waitFor({ state: 'detached' });
      await expect.poll(() => page().evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('source');
      // The composer grows with wrapped text and shrinks back when emptied.
      const composer = page().getByLabel('Question');
      const oneLine = (await composer.boundingBox())!.height;
      await composer.fill('How do trace trees handle nested loops, and what happens when a side exit is taken often enough? '.repeat(3));
      await expect.poll(async () => (await composer.boundingBox())!.height).toBeGreaterThan(oneLine + 30);
      await composer.fill('');
      await expect.poll(async () => (await composer.boundingBox())!.height).toBe(oneLine);
    });
  });

  describe('models and live meters', () => {
    it('imports a GGUF chat model in the model manager and makes it the active chat model', async () => {
      await byTestId('nav-settings').click();
      await byTestId('settings-models').click();
      registerLibraryFolder(app.dataDir, path.dirname(corpusFile(STORIES)));
      await byTestId('model-import-path').fill(corpusFile(STORIES));
      await page().getByRole('button', { name: 'Import', exact: true }).click();
      const imported = page().locator('[data-testid="model-row"]', { hasText: 'stories260K' });
      await imported.waitFor();
      expect(await imported.textContent()).toContain('Installed');
      await byTestId('settings-answers').click();
      const picker = byTestId('chat-model-select');
      const value = await picker.locator('option', { hasText: 'stories260K' }).getAttribute('value');
      await picker.selectOption(value!);
      await expect.poll(() => picker.inputValue()).toBe(value);
      await app.screenshot('settings-answers-en-light');
    });

    it('moves the LPU meters at token rate while an answer streams', async () => {
      await byTestId('nav-chat').click();
      await byTestId('new-thread').click();
      await recordTexts(page(), 'tokenCounts', '[data-testid="meter-tokens"]');
      await page().getByLabel('Question').fill('How does TraceMonkey record traces?');
      await page().keyboard.press('Enter');
      const answer = page().locator('[data-testid="assistant-message"]').last();
      await page().locator('[data-testid="assistant-message"]:not([data-status="streaming"])').last().waitFor({ timeout: 120_000 });
      expect(await answer.getAttribute('data-status'), (await answer.textContent()) ?? '').toBe('complete');
      const counts = (await recorded(page(), 'tokenCounts')).map((text) => Number(text.replace(/,/g, ''))).filter((n) => n > 0);
      // Several distinct token counts were on screen before the answer completed: the meters moved while streaming.
      expect(new Set(counts).size).toBeGreaterThan(2);
      expect(await byTestId('meter-cycles').textContent()).toMatch(/^[\d,]+$/);
      expect(await page().locator('[data-testid="latency-chart"] canvas').count()).toBeGreaterThan(0);
      await app.screenshot('chat-meters-en-light');
    });
  });

  describe('chat controls', () => {
    it('regenerates an answer in place and starts a new thread with Ctrl+K', async () => {
      const answers = page().locator('[data-testid="assistant-message"]');
      const before = await answers.count();
      await answers.last().getByTestId('regenerate').click();
      await page().locator('[data-testid="assistant-message"][data-status="streaming"]').waitFor({ state: 'detached', timeout: 120_000 });
      expect(await answers.count()).toBe(before);
      expect(await answers.last().getAttribute('data-status')).toBe('complete');
      await page().keyboard.press('Control+k');
      await page().getByText('Ask your documents anything').waitFor();
      await expect.poll(() => page().evaluate(() => document.activeElement?.id)).toBe('composer-input');
    });

    it('renames a thread from its menu', async () => {
      const thread = page().locator('.thread-item', { hasText: 'How does TraceMonkey' });
      await thread.getByRole('button', { name: /^Thread actions/ }).click();
      await page().getByRole('menuitem', { name: 'Rename' }).click();
      await byTestId('text-prompt-input').fill('Recording traces');
      await page().keyboard.press('Enter');
      await page().locator('[data-testid="thread-open"]', { hasText: 'Recording traces' }).waitFor();
    });

    it('summarizes one selected document from the library', async () => {
      await byTestId('nav-library').click();
      const row = page().locator('[data-testid="document-row"][data-file$="tracemonkey.pdf"]');
      await row.getByRole('checkbox').check();
      await page().getByRole('button', { name: 'Summarize', exact: true }).click();
      await page().locator('[data-testid="user-message"]', { hasText: 'Summarize: Trace-based' }).waitFor();
      await page().locator('[data-testid="assistant-message"]:not([data-status="streaming"])').last().waitFor({ timeout: 120_000 });
      const answer = page().locator('[data-testid="assistant-message"]').last();
      // The answer streams to the end; a model too small for the template reports why in words instead.
      const status = await answer.getAttribute('data-status');
      expect(['complete', 'error']).toContain(status);
      if (status === 'error') expect((await answer.getByRole('alert').textContent())?.length).toBeGreaterThan(20);
      expect(await answer.getByTestId('source').count()).toBeGreaterThan(0);
    });
  });

  describe('switches', () => {
    it('switches the provider from the chat header and keeps the choice', async () => {
      await byTestId('nav-chat').click();
      await byTestId('provider-groq').click();
      await expect.poll(() => byTestId('provider-groq').getAttribute('aria-checked')).toBe('true');
      await page().reload();
      await byTestId('app').waitFor();
      await byTestId('nav-chat').click();
      expect(await byTestId('provider-groq').getAttribute('aria-checked')).toBe('true');
      // With no key saved, asking Groq says so in plain words instead of failing silently.
      await page().getByLabel('Question').fill('What is a trace tree?');
      await page().keyboard.press('Enter');
      const answer = page().locator('[data-testid="assistant-message"]').last();
      await page().locator('[data-testid="assistant-message"]:not([data-status="streaming"])').last().waitFor({ timeout: 60_000 });
      expect(await answer.textContent()).toMatch(/Groq/);
      await app.screenshot('chat-groq-without-key-en-light');
      // The error offers the fix: straight to the key field.
      await answer.getByRole('button', { name: 'Open provider settings' }).click();
      await byTestId('groq-key-input').waitFor();
      await byTestId('nav-chat').click();
      await byTestId('provider-lpu').click();
      await expect.poll(() => byTestId('provider-lpu').getAttribute('aria-checked')).toBe('true');
      // The refused question is sent again as it was, now to the emulator, in place of the failed exchange.
      await page().getByTestId('retry').click();
      await page().locator('[data-testid="assistant-message"]:not([data-status="streaming"])').last().waitFor({ timeout: 120_000 });
      expect(await page().locator('[data-testid="user-message"]').allTextContents()).toEqual(['What is a trace tree?']);
      expect(await page().locator('[data-testid="assistant-message"]').last().getAttribute('data-status')).toBe('complete');
      expect(await byTestId('answer-status').textContent()).toBe('Answer complete.');
    });

    it('follows the system theme while the theme is "system"', async () => {
      await byTestId('nav-settings').click();
      await byTestId('settings-general').click();
      await page().locator('[role="radio"][data-value="system"]').click();
      await page().emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => page().evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await page().emulateMedia({ colorScheme: 'light' });
      await expect.poll(() => page().evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    });

    it('switches language and theme, and every main screen is captured in both', async () => {
      for (const theme of ['light', 'dark'] as const) {
        for (const language of ['en', 'zh-CN'] as const) {
          await byTestId('nav-settings').click();
          await byTestId('settings-general').click();
          await byTestId('language-select').selectOption(language);
          await page().locator(`[role="radio"][data-value="${theme}"]`).click();
          await expect.poll(() => page().evaluate(() => [document.documentElement.lang, document.documentElement.dataset.theme])).toEqual([language, theme]);
          expect(await byTestId('nav-library').textContent()).toBe(language === 'en' ? 'Library2' : '文档库2');
          await app.screenshot(`settings-${language}-${theme}`);
          await byTestId('settings-models').click();
          await page().locator('[data-testid="model-row"]').first().waitFor();
          await app.screenshot(`models-${language}-${theme}`);
          await byTestId('nav-library').click();
          await page().locator('[data-testid="document-row"]').first().waitFor();
          await app.screenshot(`library-${language}-${theme}`);
          await byTestId('nav-chat').click();
          await page().locator('[data-testid="thread-open"]').last().click();
          await page().locator('[data-testid="assistant-message"]').first().waitFor();
          await app.screenshot(`chat-${language}-${theme}`);
          await page().getByTestId('citation').first().click();
          await page().locator('[data-testid="pdf-page"][data-loaded="true"]').waitFor({ timeout: 60_000 });
          await app.screenshot(`viewer-${language}-${theme}`);
        }
      }
    });
  });

  describe('large screens', () => {
    it('lays out the chat, meters and viewer at 1920×1080', async () => {
      await page().setViewportSize({ width: 1920, height: 1080 });
      await byTestId('nav-settings').click();
      await byTestId('settings-general').click();
      await byTestId('language-select').selectOption('en');
      await page().locator('[role="radio"][data-value="light"]').click();
      await byTestId('nav-chat').click();
      await page().locator('[data-testid="thread-open"]', { hasText: 'Recording traces' }).click();
      await page().locator('[data-testid="assistant-message"]').first().waitFor();
      const chat = await page().locator('.chat').boundingBox();
      const meters = await byTestId('meters').boundingBox();
      expect(chat!.width).toBeGreaterThan(1000);
      expect(meters!.x).toBeGreaterThanOrEqual(chat!.x + chat!.width - 1);
      await app.screenshot('chat-1920-en-light');
    });
  });
});
