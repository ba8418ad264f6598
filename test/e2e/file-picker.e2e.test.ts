import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTinyLlamaFile } from '../fixtures/lpu/tiny-models';
import { appWithDocuments } from './harness';

// Browser mode's file picker: "Add files…" lists the folder named with `serve --picker-root` (here a temporary home;
// without the flag only registered library folders are listed), with breadcrumbs, a type filter and multi-selection; what is picked is added where it is. "Add folder…" picks a
// folder, which becomes a library folder. The model manager's "Choose file…" uses the same picker, showing GGUF files.

const session = appWithDocuments(
  'picker',
  (home) => {
    mkdirSync(path.join(home, 'Research'));
    writeFileSync(path.join(home, 'Research', 'report.md'), '# Field report\n\nThe heron colony nested on the east bank in April.\n');
    writeFileSync(path.join(home, 'Research', 'notes.txt'), 'Notes: the spring survey counted 41 nests.\n');
    writeFileSync(path.join(home, 'Research', 'raw-readings.bin'), 'not a document');
    mkdirSync(path.join(home, 'Archive', '2025'), { recursive: true });
    writeFileSync(path.join(home, 'Archive', '2025', 'summary.txt'), 'Archive summary: the colony moved upstream.\n');
    mkdirSync(path.join(home, 'Models'));
    writeTinyLlamaFile(path.join(home, 'Models'));
    writeFileSync(path.join(home, 'Models', 'README.txt'), 'Where the models live.\n');
    mkdirSync(path.join(home, '.secrets'));
    writeFileSync(path.join(home, '.secrets', 'key.txt'), 'hidden');
  },
  { env: (home) => ({ HOME: home }), args: (home) => ['--picker-root', home] },
);
const page = () => session.app().page;
const picker = () => page().getByTestId('file-picker');
const entryNames = () => picker().locator('[data-testid="picker-entries"] .entry-name span').allTextContents();
const indexedRow = (file: string) => page().locator(`[data-testid="document-row"][data-file="${file}"][data-status="indexed"]`);

describe('file picker (browser mode)', () => {
  it('adds files picked in the home folder, with breadcrumbs, a type filter and multi-selection', async () => {
    await page().getByTestId('welcome-start').click();
    await page().getByTestId('nav-library').click();
    await page().getByTestId('add-files').click();
    await picker().locator('[data-testid="picker-entries"] li').first().waitFor();
    // Hidden folders are never listed.
    expect(await entryNames()).toEqual(['Archive', 'Models', 'Research']);
    await picker().getByRole('button', { name: 'Open folder Research' }).click();
    await picker().getByRole('button', { name: 'Research', exact: true }).waitFor();
    await expect.poll(entryNames).toEqual(['notes.txt', 'report.md']);
    // "All files" shows what is not a document too; the filter narrows it again.
    await picker().getByTestId('picker-filter').selectOption('all');
    await expect.poll(entryNames).toEqual(['notes.txt', 'raw-readings.bin', 'report.md']);
    await picker().getByTestId('picker-filter').selectOption('documents');
    await expect.poll(entryNames).toEqual(['notes.txt', 'report.md']);
    await picker().getByRole('checkbox', { name: 'Select notes.txt' }).check();
    await picker().getByRole('checkbox', { name: 'Select report.md' }).check();
    await expect(picker().getByTestId('picker-count').textContent()).resolves.toBe('2 items selected');
    await session.app().screenshot('file-picker-en-light');
    // The first crumb goes back to the home folder; the selection is kept across folders.
    await picker().getByTestId('picker-crumbs').getByRole('button').first().click();
    await expect.poll(entryNames).toEqual(['Archive', 'Models', 'Research']);
    await picker().getByTestId('picker-add').click();
    await picker().waitFor({ state: 'detached' });
    await indexedRow('report.md').waitFor({ timeout: 60_000 });
    await indexedRow('notes.txt').waitFor({ timeout: 60_000 });
    expect(await page().locator('[data-testid="document-row"][data-file="raw-readings.bin"]').count()).toBe(0);
  });

  it('adds a folder picked in the home folder as a library folder', async () => {
    await page().getByTestId('add-folder').click();
    await picker().locator('[data-testid="picker-entries"] li').first().waitFor();
    await picker().getByRole('button', { name: 'Open folder Archive' }).click();
    await picker().getByRole('button', { name: 'Archive', exact: true }).waitFor();
    await picker().getByTestId('picker-add').click();
    await picker().waitFor({ state: 'detached' });
    await indexedRow('summary.txt').waitFor({ timeout: 60_000 });
    await expect(page().getByTestId('library-folders').textContent()).resolves.toContain(path.join(session.docs(), 'Archive'));
  });

  it('imports a model chosen in the picker, which shows GGUF files only', async () => {
    await page().getByTestId('nav-settings').click();
    await page().getByTestId('settings-models').click();
    await page().getByTestId('model-choose-file').click();
    await picker().getByRole('button', { name: 'Open folder Models' }).click();
    await expect.poll(entryNames).toEqual(['tiny-llama.gguf']);
    await picker().getByRole('checkbox', { name: 'Select tiny-llama.gguf' }).check();
    await picker().getByTestId('picker-add').click();
    await picker().waitFor({ state: 'detached' });
    await page().locator('[data-testid="model-row"]', { hasText: 'tiny-llama' }).waitFor({ timeout: 60_000 });
  });
});
