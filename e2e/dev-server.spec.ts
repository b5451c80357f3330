/**
 * The page as `npm start` serves it (the Vite dev server): cross-origin isolated, and training on
 * the wasm backend with threads. The production build is covered by the other specs.
 */
import { test, expect } from '@playwright/test';
import { configFromPresets, encodeShare } from '../src/engine';
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

test("dev server: the LM user runs on onnxruntime's files served by the dev server, none from a CDN", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const outside: string[] = [];
  page.context().on('request', (r) => {
    if (!/^(data|blob):/.test(r.url()) && new URL(r.url()).hostname !== 'localhost') outside.push(r.url());
  });
  const ort: string[] = [];
  page.context().on('requestfinished', (r) => {
    if (/ort-wasm-simd-threaded\.asyncify\.(wasm|mjs)/.test(r.url())) ort.push(r.url());
  });
  await page.goto(`/#${encodeShare(configFromPresets(['demo'], { userModel: 'user-lm' }))}`);
  await expect(page.getByTestId('user-model-loaded-userModel')).toContainText(/^user-lm: \d+ KB of weights, on wasm$/, { timeout: 90_000 });
  // One reply written by the model (a session run, not only its creation).
  await page.getByTestId('play-mode-agent').click();
  await page.getByTestId('play-agent-start').click();
  await page.getByTestId('play-agent-suggestion').filter({ hasText: /ask-all.*:/ }).click();
  await expect(page.getByTestId('play-agent-scripted')).toHaveCount(1, { timeout: 60_000 });
  console.log(`dev server: onnxruntime files from ${ort.join(', ')}`);
  expect(ort.length).toBeGreaterThan(0);
  expect(outside, outside.join('\n')).toEqual([]);
  expect(problems, problems.join('\n')).toEqual([]);
});
