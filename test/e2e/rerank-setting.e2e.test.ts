import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installTinyCrossEncoder } from '../fixtures/embed/tiny-cross-encoder';
import { appWithDocuments } from './harness';

// The "Rerank with <model>" switch: absent until a reranker is installed, then shown under Library and search, on by
// default, and the user's choice kept. The model is a generated random-weight cross-encoder laid out as the catalog's.
const RERANKER = 'Xenova/ms-marco-MiniLM-L-6-v2';

// No documents: the app's own data folder (removed when it closes) is where the model is installed.
const session = appWithDocuments('rerank', () => {});

describe('Rerank setting', () => {
  it('appears once a reranker is installed, on by default, and keeps the choice', async () => {
    const page = session.app().page;
    const byTestId = (id: string) => page.getByTestId(id);
    await byTestId('welcome-start').click();
    await byTestId('nav-settings').click();
    await byTestId('settings-library').click();
    await expect.poll(() => page.locator('#setting-vector-weight').count()).toBe(1);
    expect(await page.locator('#setting-rerank').count()).toBe(0);

    // On disk, as a pull leaves it; the app lists models when it starts and after each pull or import.
    installTinyCrossEncoder(path.join(session.app().dataDir, 'models'), RERANKER, 3);
    await page.reload();
    await byTestId('nav-settings').click();
    await byTestId('settings-library').click();
    const toggle = page.locator('#setting-rerank');
    await expect.poll(() => toggle.count()).toBe(1);
    expect(await toggle.isChecked()).toBe(true);
    expect(await page.locator('label[for="setting-rerank"]').textContent()).toBe('Rerank with ms-marco-MiniLM-L-6-v2 (English reranker)'); // the catalog entry's name
    await session.app().screenshot('settings-rerank-en');

    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(false);
    await page.reload();
    await byTestId('nav-settings').click();
    await byTestId('settings-library').click();
    await expect.poll(() => page.locator('#setting-rerank').count()).toBe(1);
    expect(await page.locator('#setting-rerank').isChecked()).toBe(false);
  });
});
