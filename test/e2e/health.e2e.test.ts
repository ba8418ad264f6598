import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWithDocuments } from './harness';
import { askQuestion, dropFiles } from './support';

// After a few answers the Health view charts the last hour from the SQLite history: TTFT p50/p95, tokens/s, token
// interval and error rate with fallbacks, each threshold from Settings drawn as a dashed line in its own colour.

const HANDBOOK = ['# Handbook', '', 'Every employee receives 25 days of paid annual leave per calendar year.', '', 'Travel expenses are reimbursed within 30 days of the receipt.'].join('\n');

const session = appWithDocuments('health', (folder) => writeFileSync(path.join(folder, 'handbook.md'), HANDBOOK));
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);

const ask = (question: string) => askQuestion(page(), question);

/** Whether the chart's canvas has pixels of the CSS colour `variable` (within a small tolerance for antialiasing). */
const chartHasColour = (testId: string, variable: string) =>
  page().evaluate(
    ({ testId, variable }) => {
      const hex = getComputedStyle(document.documentElement).getPropertyValue(variable).trim();
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${testId}"] canvas`)!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let matches = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (Math.abs(pixels[i]! - r!) < 24 && Math.abs(pixels[i + 1]! - g!) < 24 && Math.abs(pixels[i + 2]! - b!) < 24 && pixels[i + 3]! > 200) matches++;
      }
      return matches;
    },
    { testId, variable },
  );

describe('Health view', () => {
  it('charts the answers of the last hour with the thresholds as lines', async () => {
    await byTestId('welcome-start').click();
    await dropFiles(page(), [path.join(session.docs(), 'handbook.md')]);
    await page().locator('[data-testid="document-row"][data-file="handbook.md"][data-status="indexed"]').waitFor({ timeout: 60_000 });
    await byTestId('nav-chat').click();
    await ask('How many days of annual leave do employees get?');
    await ask('How are travel expenses reimbursed?');
    await ask('When are receipts for travel reimbursed?');

    await byTestId('nav-health').click();
    await byTestId('health-view').waitFor();
    await page().getByText(/^\d+ events in the last hour$/).waitFor({ timeout: 30_000 });
    const recorded = Number((await byTestId('health-recorded').textContent())!.split(' ')[0]);
    expect(recorded).toBeGreaterThanOrEqual(3);

    const charts = ['health-chart-ttft', 'health-chart-tokens', 'health-chart-interval', 'health-chart-errors'];
    for (const chart of charts) await page().locator(`[data-testid="${chart}"] canvas`).waitFor();
    // The thresholds are the Settings defaults, named in each legend beside the measured series.
    expect(await byTestId('health-chart-ttft').getAttribute('data-threshold')).toBe('8000');
    expect(await byTestId('health-chart-interval').getAttribute('data-threshold')).toBe('750');
    expect(await byTestId('health-chart-errors').getAttribute('data-threshold')).toBe('20');
    expect(await byTestId('health-chart-tokens').getAttribute('data-threshold')).toBeNull();
    const legend = (chart: string) => page().locator(`[data-testid="${chart}"] .u-legend .u-label`).allTextContents();
    expect(await legend('health-chart-ttft')).toEqual(['p50', 'p95', 'threshold']);
    expect(await legend('health-chart-errors')).toEqual(['error rate', 'fallbacks', 'threshold']);

    // Drawn, not just declared: the threshold's colour is on the canvas, and so is the measured TTFT.
    for (const chart of ['health-chart-ttft', 'health-chart-interval', 'health-chart-errors']) expect(await chartHasColour(chart, '--chart-threshold'), chart).toBeGreaterThan(100);
    expect(await chartHasColour('health-chart-tokens', '--chart-threshold')).toBe(0);
    expect(await chartHasColour('health-chart-ttft', '--chart-wall')).toBeGreaterThan(0);
    await session.app().screenshot('health-view-en-light');
  });
});
