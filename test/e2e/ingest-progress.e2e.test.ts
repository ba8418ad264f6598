import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTextPdf } from '../fixtures/ingest/generated-pdf';
import { appWithDocuments } from './harness';
import { dropFiles, recordTexts, recorded } from './support';

// Ingestion progress a user can follow: an overall bar counting files done of the batch with pages/s, the files
// being indexed listed first with their own stages, and Cancel for one file.

const FILES = ['alpha.pdf', 'bravo.pdf', 'charlie.pdf', 'delta.pdf'];
const session = appWithDocuments('progress', (folder) => {
  for (const [i, file] of FILES.entries()) writeFileSync(path.join(folder, file), generateTextPdf(40 + i * 10, 40, (page, line) => `${file} page ${page} line ${line}: the survey logged ${page * line} readings.`));
});
const page = () => session.app().page;
const row = (file: string) => page().locator(`[data-testid="document-row"][data-file="${file}"]`);

describe('ingestion progress', () => {
  it('counts files done of the batch with pages per second, active rows first, and cancels one file', async () => {
    await page().getByTestId('welcome-start').click();
    await page().getByTestId('nav-library').click();
    await recordTexts(page(), 'batch', '[data-testid="batch-progress"]');
    await recordTexts(page(), 'rows', '[data-testid="document-progress"] .stage-steps');
    await dropFiles(page(), FILES.map((file) => path.join(session.docs(), file)));
    await page().getByTestId('batch-progress').waitFor({ timeout: 30_000 });
    await session.app().screenshot('library-batch-progress-en-light');
    // The row being read names its own stages, the current one marked, over a determinate bar for it.
    const current = page().locator('[data-testid="document-progress"] .stage-steps li[aria-current="step"]').first();
    await current.waitFor({ timeout: 30_000 });
    expect(['Parse', 'Split']).toContain(await current.textContent());
    await session.app().screenshot('library-row-stages-en-light');
    // The file being read is listed first, the queued ones after it.
    const statuses = await page().locator('[data-testid="document-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    if (statuses.includes('processing')) expect(statuses[0]).toBe('processing');
    // Waiting files are listed in the order they will be read, the next one first.
    const waiting = await page().locator('[data-testid="document-row"][data-status="queued"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-file')));
    expect(waiting).toEqual(FILES.filter((file) => waiting.includes(file)));
    // The last file is still queued: cancel it alone.
    const last = row(FILES.at(-1)!);
    await last.waitFor();
    if ((await last.getAttribute('data-status')) === 'queued') {
      await last.getByRole('button', { name: /^Cancel/ }).click();
      await page().locator(`[data-testid="document-row"][data-file="${FILES.at(-1)}"][data-status="cancelled"]`).waitFor({ timeout: 30_000 });
    }
    for (const file of FILES.slice(0, -1)) await page().locator(`[data-testid="document-row"][data-file="${file}"][data-status="indexed"]`).waitFor({ timeout: 120_000 });
    await page().getByTestId('batch-progress').waitFor({ state: 'detached', timeout: 30_000 });

    const batch = await recorded(page(), 'batch');
    // The batch counted up over the four dropped files and measured the reading speed.
    expect(batch.some((text) => /^0 of 4 files indexed/.test(text))).toBe(true);
    expect(batch.some((text) => /^[1-3] of 4 files indexed/.test(text))).toBe(true);
    expect(batch.some((text) => /\d pages\/s/.test(text))).toBe(true);
    // No embedding model is installed here: rows never list an Embed step, and say the files get keyword search only.
    const rows = await recorded(page(), 'rows');
    expect(rows.some((text) => text.includes('Keyword search only'))).toBe(true);
    expect(rows.filter((text) => /Embed(?!ding)/.test(text))).toEqual([]);
  });
});
