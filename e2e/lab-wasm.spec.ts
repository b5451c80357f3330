/**
 * The lab page's wasm mode (production build, cross-origin isolated): `npm run bench` measures the
 * page's training with one thread against all cores through it, so it must really run the asked
 * number of threads, and train.
 */
import { test, expect } from '@playwright/test';
import type { InfopoLab, LabInfo } from '../src/lab/lab';

for (const threads of [1, 2]) {
  test(`lab page runs tfjs-wasm with ${threads} thread(s) and trains`, async ({ page }) => {
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`/src/lab/index.html?backend=wasm&threads=${threads}`);
    const status = page.locator('#status');
    await expect(status).toHaveAttribute('data-state', /ready|error/);
    expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe('ready');
    const info: LabInfo = await page.evaluate(() => (window as unknown as { infopoLab: InfopoLab }).infopoLab.ready);
    expect(info).toMatchObject({ backend: 'wasm', threads, crossOriginIsolated: true });
    const r = await page.evaluate(() => (window as unknown as { infopoLab: InfopoLab }).infopoLab.benchTrain({ dModel: 16, nLayers: 1, steps: 1 }));
    expect(r.threads).toBe(threads);
    expect(r.tokensPerS).toBeGreaterThan(0);
    expect(r.matmulGflops).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
}

test('lab page refuses an invalid thread count', async ({ page }) => {
  await page.goto('/src/lab/index.html?backend=wasm&threads=0');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#status')).toContainText('positive integer');
});
