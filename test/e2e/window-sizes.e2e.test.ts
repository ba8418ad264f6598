import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppUnderTest } from './harness';
import { dropFiles } from './support';

// Every view at the window sizes people use, down to the 800×600 minimum, in both languages: nothing scrolls or
// spills sideways, library names stay on one line, and in compact windows the meters become a drawer.

const LONG_NAME = 'quarterly-operations-review-for-the-northern-distribution-centres-final-version-approved.md';
const SIZES = [
  { width: 1920, height: 1080 },
  { width: 1280, height: 800 },
  { width: 900, height: 700 },
  { width: 800, height: 600 },
];
const SETTINGS = ['general', 'answers', 'models', 'library', 'advanced'];

let app: AppUnderTest;
let docs: string;
const pageErrors: string[] = [];
beforeAll(async () => {
  docs = mkdtempSync(path.join(os.tmpdir(), 'lockstep-e2e-sizes-'));
  writeFileSync(path.join(docs, LONG_NAME), 'The northern distribution centres shipped 41,200 parcels in the quarter, 6% more than planned.\n');
  app = await launchApp({ viewport: SIZES[1] });
  app.page.on('pageerror', (error) => pageErrors.push(`${error.message}\n${error.stack}`));
});
afterAll(async () => {
  await app?.close();
  if (docs) rmSync(docs, { recursive: true, force: true });
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await app.screenshot(`failure-sizes-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  expect(pageErrors.splice(0)).toEqual([]);
});

const page = () => app.page;
const byTestId = (id: string) => page().getByTestId(id);

/**
 * Everything that overflows sideways: the page itself, any scroll container that can scroll horizontally, and any
 * element that spills past the window's right edge. Content clipped on purpose (overflow hidden, ellipsis) is fine.
 */
const horizontalOverflow = () =>
  page().evaluate(() => {
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}`;
    const found: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) found.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of document.querySelectorAll<HTMLElement>('[data-testid="app"] *')) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || el.closest('svg')) continue;
      if (/auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1) found.push(`${describe(el)} scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`);
      let clipped = false;
      for (let up = el.parentElement; up && !clipped; up = up.parentElement) clipped = getComputedStyle(up).overflowX !== 'visible';
      const rect = el.getBoundingClientRect();
      if (!clipped && rect.width > 0 && rect.right > window.innerWidth + 1) found.push(`${describe(el)} ends at ${Math.round(rect.right)} px`);
    }
    return found;
  });

async function setLanguage(language: 'en' | 'zh-CN') {
  await byTestId('nav-settings').click();
  await byTestId('settings-general').click();
  await byTestId('language-select').selectOption(language);
  await expect.poll(() => page().evaluate(() => document.documentElement.lang)).toBe(language);
}

describe('window sizes', () => {
  it('indexes a long-named file and answers once, so every view has content', async () => {
    await byTestId('welcome-start').click();
    await dropFiles(page(), [path.join(docs, LONG_NAME)]);
    await page().locator(`[data-testid="document-row"][data-file="${LONG_NAME}"][data-status="indexed"]`).waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await page().getByLabel('Question').fill('How many parcels did the northern distribution centres ship?');
    await page().keyboard.press('Enter');
    await page().locator('[data-testid="assistant-message"][data-status="complete"]').waitFor({ timeout: 60_000 });
  });

  for (const language of ['en', 'zh-CN'] as const) {
    for (const size of SIZES) {
      it(`${language} ${size.width}×${size.height}: no view overflows sideways`, async () => {
        await page().setViewportSize(size);
        await setLanguage(language);
        const tag = `${size.width}x${size.height}-${language}-light`;

        await byTestId('nav-chat').click();
        await page().locator('[data-testid="assistant-message"][data-status="complete"]').first().waitFor();
        const compact = size.width <= 900;
        // Wide windows show the meters as a column; compact ones keep the chat whole and offer the meters as a drawer.
        expect(await byTestId('meters').count()).toBe(compact ? 0 : 1);
        expect(await horizontalOverflow()).toEqual([]);
        // The version footer stays on one line.
        expect(await byTestId('app-info').evaluate((el) => el.clientHeight <= parseFloat(getComputedStyle(el).lineHeight) * 1.5)).toBe(true);
        await app.screenshot(`sizes-chat-${tag}`);
        if (compact) {
          await byTestId('toggle-meters').click();
          const drawer = page().locator('[data-testid="meters"][data-drawer="true"]');
          await drawer.waitFor();
          const box = (await drawer.boundingBox())!;
          expect(box.x + box.width).toBeLessThanOrEqual(size.width);
          expect(box.x).toBeGreaterThan(0);
          expect(await horizontalOverflow()).toEqual([]);
          await app.screenshot(`sizes-meters-drawer-${tag}`);
          await page().keyboard.press('Escape');
          await drawer.waitFor({ state: 'detached' });
        }

        await byTestId('nav-library').click();
        const title = page().locator(`[data-testid="document-row"][data-file="${LONG_NAME}"] .doc-title`);
        await title.waitFor();
        // One line, cut with an ellipsis, never a letter per line.
        const shape = await title.evaluate((el) => ({ height: el.clientHeight, lineHeight: parseFloat(getComputedStyle(el).lineHeight) || 20, cut: el.scrollWidth > el.clientWidth, width: el.clientWidth }));
        expect(shape.height).toBeLessThanOrEqual(shape.lineHeight * 1.5);
        expect(shape.width).toBeGreaterThan(120);
        if (compact) expect(shape.cut).toBe(true);
        expect(await horizontalOverflow()).toEqual([]);
        await app.screenshot(`sizes-library-${tag}`);

        await byTestId('nav-settings').click();
        for (const section of SETTINGS) {
          await byTestId(`settings-${section}`).click();
          await expect.poll(() => byTestId(`settings-${section}`).getAttribute('aria-current')).toBe('page');
          expect(await horizontalOverflow(), `settings ${section}`).toEqual([]);
          if (section === 'general' || section === 'answers') await app.screenshot(`sizes-settings-${section}-${tag}`);
        }
      });
    }
  }

  it('asks in its own dialog before deleting, and counts in the right plural', async () => {
    await page().setViewportSize(SIZES[1]);
    await setLanguage('en');
    await byTestId('nav-library').click();
    const row = page().locator(`[data-testid="document-row"][data-file="${LONG_NAME}"]`);
    // The user's file name, its tooltip the name too (never the copy Lockstep keeps under uploads/).
    expect(await row.getByTestId('document-name').textContent()).toBe(LONG_NAME);
    expect(await row.getByTestId('document-name').getAttribute('title')).toBe(LONG_NAME);
    expect(await row.textContent()).toMatch(/\b1 passage\b/);
    expect(await row.textContent()).not.toMatch(/1 passages/);
    let nativeDialogs = 0;
    page().on('dialog', (dialog) => void (nativeDialogs++, dialog.dismiss()));
    await row.getByRole('button', { name: /^Delete/ }).click();
    const confirm = byTestId('confirm-dialog');
    expect(await confirm.textContent()).toContain('Delete this document from the library?');
    await app.screenshot('confirm-delete-en-light');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    await row.getByRole('button', { name: /^Delete/ }).click();
    await byTestId('confirm-action').click();
    await row.waitFor({ state: 'detached' });
    expect(nativeDialogs).toBe(0);
  });
});
