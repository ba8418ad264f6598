import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTextPdf } from '../fixtures/ingest/generated-pdf';
import { appWithDocuments } from './harness';
import { dropFiles } from './support';

// The PDF viewer under quick clicks: ten citations opened in a burst (and a window resize mid-burst) must end on
// the last one's page, drawn (not a blank or black canvas) and with the passage highlighted. pdf.js refuses two
// renders on one canvas, which used to leave the page blank when a new citation arrived mid-render.

const RIVERS = ['Danube', 'Rhine', 'Elbe', 'Loire', 'Tagus', 'Vistula', 'Oder', 'Rhone', 'Seine', 'Po', 'Ebro', 'Douro'];
const line = (page: number, n: number) => `The ${RIVERS[page - 1]} glacier survey station ${page} logged meltwater level ${n * 7 + page} cm on day ${n}.`;

const session = appWithDocuments('pdf', (folder) => writeFileSync(path.join(folder, 'glacier-survey.pdf'), generateTextPdf(RIVERS.length, 24, line)));
const page = () => session.app().page;

/** Share of the canvas's pixels that are white paper and that are dark ink, read back from the canvas itself. */
const canvasInk = () =>
  page().evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="pdf-page"] canvas')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let white = 0;
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) {
      const light = (data[i] + data[i + 1] + data[i + 2]) / 3;
      if (data[i + 3] > 0 && light > 240) white++;
      else if (data[i + 3] > 0 && light < 128) dark++;
    }
    const total = data.length / 4;
    return { white: white / total, dark: dark / total };
  });

/** Share of the first highlighted span's on-screen pixels that are the highlight's amber (decoded in the page). */
async function highlightAmber(): Promise<number> {
  const png = (await page().locator('[data-testid="pdf-page"] .passage-highlight').first().screenshot()).toString('base64');
  return page().evaluate(async (base64) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    let amber = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] > 170 && data[i + 2] < 180 && data[i] - data[i + 2] > 60) amber++;
    return amber / (data.length / 4);
  }, png);
}

describe('PDF viewer', () => {
  it('ends on the last of ten quickly opened citations, drawn and highlighted', async () => {
    await page().getByTestId('welcome-start').click();
    await dropFiles(page(), [path.join(session.docs(), 'glacier-survey.pdf')]);
    await page().locator('[data-testid="document-row"][data-file$="glacier-survey.pdf"][data-status="indexed"]').waitFor({ timeout: 120_000 });
    await page().getByTestId('nav-chat').click();
    for (const question of ['Which glacier survey station logged meltwater levels?', 'What meltwater level did the Danube, Seine and Po stations log?']) {
      await page().getByLabel('Question').fill(question);
      await page().keyboard.press('Enter');
      await page().locator('[data-testid="assistant-message"][data-status="complete"]').nth(question.startsWith('Which') ? 0 : 1).waitFor({ timeout: 120_000 });
    }
    const showAll = page().getByRole('button', { name: /^Show all/ });
    while (await showAll.count()) await showAll.first().click();
    const sources = await page().getByTestId('source').count();
    expect(sources).toBeGreaterThanOrEqual(10);

    // Ten clicks in one task, each on a different source: every render but the last is overtaken mid-flight.
    const last = await page().evaluate(() => {
      const buttons = [...document.querySelectorAll<HTMLButtonElement>('[data-testid="source"]')].slice(-10);
      for (const button of buttons) button.click();
      return buttons.at(-1)!.querySelector('.source-page')!.textContent!;
    });
    const lastPage = Number(last.match(/p\. (\d+)/)![1]);
    // A resize while the last page renders re-renders it at the new width.
    await page().setViewportSize({ width: 1180, height: 760 });
    const loaded = page().locator(`[data-testid="pdf-page"][data-page="${lastPage}"][data-loaded="true"]`);
    await loaded.waitFor({ timeout: 60_000 });
    await page().setViewportSize({ width: 1280, height: 800 });
    await page().locator(`[data-testid="pdf-page"][data-page="${lastPage}"][data-loaded="true"]`).waitFor({ timeout: 60_000 });

    // One canvas, mostly white paper with some ink: neither blank nor black.
    expect(await page().locator('[data-testid="pdf-page"] canvas').count()).toBe(1);
    const ink = await canvasInk();
    expect(ink.white).toBeGreaterThan(0.5);
    expect(ink.dark).toBeGreaterThan(0.002);
    expect(Number(await loaded.getAttribute('data-highlighted'))).toBeGreaterThan(0);
    expect(await page().locator('[data-testid="pdf-page"] .passage-highlight').first().textContent()).toContain(RIVERS[lastPage - 1]);
    expect(await highlightAmber()).toBeGreaterThan(0.3);
    await session.app().screenshot('viewer-pdf-after-burst-en-light');

    // Again one by one, as a user clicks: each opened page is drawn with its highlight.
    const buttons = page().getByTestId('source');
    for (let i = 0; i < 10; i++) {
      const button = buttons.nth(i % sources);
      const cited = Number((await button.locator('.source-page').textContent())!.match(/p\. (\d+)/)![1]);
      await button.click();
      await page().locator(`[data-testid="pdf-page"][data-page="${cited}"][data-loaded="true"]`).waitFor({ timeout: 60_000 });
      const drawn = await canvasInk();
      expect(drawn.white, `citation ${i + 1}`).toBeGreaterThan(0.5);
      expect(drawn.dark, `citation ${i + 1}`).toBeGreaterThan(0.002);
      expect(await highlightAmber(), `citation ${i + 1}`).toBeGreaterThan(0.3);
    }
  });
});
