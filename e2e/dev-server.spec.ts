/**
 * The page as `npm start` serves it (the Vite dev server): cross-origin isolated, and training on
 * the wasm backend with threads. The production build is covered by the other specs.
 */
import { test, expect } from '@playwright/test';
import { watchConsole, waitForPhase } from './watch';

test('dev server: cross-origin isolated, trains the smoke preset on wasm without falling back', async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  const response = await page.goto('/');
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await page.getByTestId('preset').selectOption('smoke');
  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('start').click();
  // The first run: the button still says Start (disabled), and elapsed time starts at zero, never negative.
  await expect(page.getByTestId('start')).toHaveText('Start');
  await expect(page.getByTestId('start')).toBeDisabled();
  await expect(page.getByTestId('elapsed')).toHaveText(/^\d/);
  await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 120_000 });
  await expect(page.getByTestId('fallback-reason')).toHaveCount(0);
  // Isolated, so the threaded build loads (the import that used to fail under the dev server).
  await expect(page.getByTestId('threads')).toHaveText(/^\d+ threads?$/);
  await waitForPhase(page, /complete/, 180_000);
  await expect(page.getByTestId('step-row')).toHaveCount(3);
  await expect(page.getByTestId('explain-check')).toContainText('✓');
  // Scrolled to (as the inspector's "explain" does, top-aligned when it comes from above), the explain
  // panel lands below the sticky backend strip, not under it.
  await page.locator('.explain-anchor').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300);
  const strip = await page.locator('.strip').boundingBox();
  const explain = await page.getByTestId('explain').boundingBox();
  expect(explain!.y).toBeGreaterThanOrEqual(strip!.y + strip!.height);
  expect(problems, problems.join('\n')).toEqual([]);
});
