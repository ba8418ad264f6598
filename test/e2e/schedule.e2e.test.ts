import { describe, expect, it } from 'vitest';
import { appWithDocuments } from './harness';

// The Schedule tab: the compiled decode step of the SmolLM2-135M shape (the program a random-weight SmolLM2 GGUF
// gets at int8) drawn on one canvas; zoom narrows the visible cycles, hovering a bar names its op; the what-if
// panel re-plans a deployment when the SRAM per chip changes.

const session = appWithDocuments('schedule', () => {});
const page = () => session.app().page;
const byTestId = (id: string) => page().getByTestId(id);
const visible = async () => {
  const canvas = byTestId('schedule-canvas');
  return { c0: Number(await canvas.getAttribute('data-visible-start')), c1: Number(await canvas.getAttribute('data-visible-end')) };
};

describe('schedule timeline', () => {
  it('renders the compiled SmolLM2 program, zooms to a layer and below, and names the op under the pointer', async () => {
    await byTestId('welcome-start').click();
    await byTestId('nav-schedule').click();
    await page().locator('[data-testid="schedule-canvas"][data-bars-drawn]').waitFor({ timeout: 120_000 });
    expect(Number(await byTestId('schedule-canvas').getAttribute('data-bars-drawn'))).toBeGreaterThan(100);
    const whole = await visible();
    expect(whole.c0).toBe(0);

    // The wheel zooms in around the pointer.
    const box = (await byTestId('schedule-canvas').boundingBox())!;
    await page().mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page().mouse.wheel(0, -600);
    await page().waitForFunction((end) => Number(document.querySelector('[data-testid="schedule-canvas"]')!.getAttribute('data-visible-end')) !== end, whole.c1);
    const zoomed = await visible();
    expect(zoomed.c1 - zoomed.c0).toBeLessThan((whole.c1 - whole.c0) / 2);

    // A layer, then further in to single instructions.
    await byTestId('schedule-layer').selectOption('3');
    await page().waitForFunction((end) => Number(document.querySelector('[data-testid="schedule-canvas"]')!.getAttribute('data-visible-end')) !== end, zoomed.c1);
    const layer = await visible();
    expect(layer.c1 - layer.c0).toBeLessThan((whole.c1 - whole.c0) / 10);
    await session.app().screenshot('schedule-layer-en-light');

    // Hover along each lane of chip 0 until a bar answers.
    const labelWidth = Number(await byTestId('schedule-canvas').getAttribute('data-label-width'));
    const axis = Number(await byTestId('schedule-canvas').getAttribute('data-axis-height'));
    const laneHeight = Number(await byTestId('schedule-canvas').getAttribute('data-lane-height'));
    let op: string | null = null;
    for (let lane = 0; lane < 4 && !op; lane++) {
      for (let x = box.x + labelWidth + 2; x < box.x + box.width - 2 && !op; x += 6) {
        await page().mouse.move(x, box.y + axis + lane * laneHeight + laneHeight / 2);
        if (await byTestId('schedule-tooltip').count()) op = await byTestId('schedule-tooltip').getAttribute('data-op');
      }
    }
    expect(['matmul', 'rmsnorm', 'attention', 'rope', 'quantize', 'siluMul', 'add', 'storeKv', 'embed', 'argmax']).toContain(op);
    await expect.poll(async () => (await byTestId('schedule-tooltip').textContent()) ?? '').toMatch(/starts at cycle \d+, runs \d+ cycles/);

    // The same program compiled for two pipeline stages of 8 chips: a lane per chip × unit, C2C lanes included.
    await byTestId('schedule-chips').selectOption('16');
    await expect.poll(async () => (await byTestId('schedule-summary').textContent()) ?? '', { timeout: 120_000 }).toContain('on 16 chip(s)');
    await page().locator('[data-testid="schedule-canvas"][data-bars-drawn]').waitFor();
    expect(Number(await byTestId('schedule-canvas').getAttribute('data-lanes'))).toBeGreaterThan(16);
  }, 180_000);

  it('what-if: more SRAM per chip needs fewer chips and changes the predicted speed', async () => {
    const needed = byTestId('what-if-needed');
    await needed.waitFor();
    const before = { chips: Number(await needed.textContent()), toks: await byTestId('what-if-toks').textContent() };
    await byTestId('what-if-sram').fill('440');
    await expect.poll(async () => Number(await needed.textContent()), { timeout: 10_000 }).toBeLessThan(before.chips);
    expect(await byTestId('what-if-toks').textContent()).not.toBe(before.toks);
    await session.app().screenshot('schedule-what-if-en-light');
  });
});
