import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

// Helpers for the desktop UI's E2E tests: real files dropped the way a user drops them, and DOM-event waits.

const mimeTypes: Record<string, string> = { '.pdf': 'application/pdf', '.txt': 'text/plain', '.md': 'text/markdown', '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };

/** Dispatches dragenter → dragover → drop carrying real files, exactly as a drag from the file manager arrives. */
export async function dropFiles(page: Page, filePaths: string[]): Promise<void> {
  const files = filePaths.map((file) => ({ name: path.basename(file), type: mimeTypes[path.extname(file)] ?? '', base64: readFileSync(file).toString('base64') }));
  await page.evaluate((payload) => {
    const data = new DataTransfer();
    for (const file of payload) data.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
    for (const type of ['dragenter', 'dragover', 'drop']) document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
}

/** Starts recording every distinct text a selector shows (a MutationObserver in the page), to assert on later. */
export async function recordTexts(page: Page, name: string, selector: string): Promise<void> {
  await page.evaluate(
    ({ name, selector }) => {
      const seen: string[] = [];
      (window as unknown as Record<string, string[]>)[name] = seen;
      const note = () => {
        for (const element of document.querySelectorAll(selector)) {
          const text = element.getAttribute('data-stage') ?? element.textContent ?? '';
          if (seen[seen.length - 1] !== text) seen.push(text);
        }
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      note();
    },
    { name, selector },
  );
}

export const recorded = (page: Page, name: string) => page.evaluate((key) => [...((window as unknown as Record<string, string[]>)[key] ?? [])], name);

/** Settings → Answers: saves a key the fake Groq accepts and waits until a model from the key's listing is chosen. */
export async function saveFakeGroqKey(page: Page): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-answers').click();
  await page.getByTestId('groq-key-input').fill('gsk_e2e_0123456789abcdef');
  await page.getByRole('button', { name: 'Save key' }).click();
  await page.waitForFunction(() => !!document.querySelector<HTMLSelectElement>('[data-testid="groq-model-select"]')?.value, null, { timeout: 20_000 });
}

/** Asks in the chat composer and waits for that answer to complete (the next complete assistant message). */
export async function askQuestion(page: Page, question: string): Promise<void> {
  const done = await page.locator('[data-testid="assistant-message"][data-status="complete"]').count();
  await page.getByLabel('Question').fill(question);
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="assistant-message"][data-status="complete"]').nth(done).waitFor({ timeout: 60_000 });
}
