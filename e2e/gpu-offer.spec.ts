/**
 * The fast-GPU offer (docs/ui.md): with a hardware GPU faster than wasm at 320 dialogues per step
 * the demo is offered at that batch (preset demo-gpu). This machine has no GPU: the first test
 * injects probe figures through the page's test hook (window.infopoTestProbe); the second runs the
 * real probe, whose only WebGPU adapter is SwiftShader's (software), and expects no offer.
 */
import { test, expect, type Page } from '@playwright/test';
import { attachScreenshot, waitForPhase, watchConsole } from './watch';

/** A hardware GPU at 9 ms a probe unit at the demo's 40 rows and 40 ms at 320; wasm 36 ms at 40, 300 ms at 320. */
const FAST_GPU_PROBE = [
  { backend: 'webgpu', ms: 9, warmupMs: 900, units: 5, screenMs: 0.2, note: null, adapter: 'nvidia / ada', software: false, large: { rows: 320, ms: 40, warmupMs: 700, units: 5, note: null } },
  { backend: 'wasm', ms: 36, warmupMs: 50, units: 5, screenMs: 1, note: null, large: { rows: 320, ms: 300, warmupMs: 320, units: 2, note: null } },
  { backend: 'cpu', ms: null, warmupMs: null, units: 0, screenMs: 12, note: 'screened out: 12 ms per MLP block, over 4x the best (0.2 ms)' },
];

/** The demo, one RL step, backend auto: the probe runs at Start. */
async function startShortDemo(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  await page.locator('#steps').fill('1');
  await page.getByTestId('backend-preference').selectOption('auto');
  await page.getByTestId('start').click();
}

test('offers demo-gpu when the probe finds a hardware GPU faster than wasm at 320 dialogues (injected figures)', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.addInitScript((probe) => ((window as unknown as { infopoTestProbe: unknown }).infopoTestProbe = probe), FAST_GPU_PROBE);
  await expect(page.getByTestId('gpu-offer')).toHaveCount(0);
  await startShortDemo(page);
  const offer = page.getByTestId('gpu-offer');
  await expect(offer).toBeVisible({ timeout: 120_000 });
  await expect(offer).toContainText('This GPU (nvidia / ada) runs the backend probe at 320 dialogues per step in 40 ms, about as fast as wasm at 40 (36 ms) and 7.5x faster than wasm at 320 (300 ms)');
  await expect(offer).toContainText('(preset demo-gpu)');
  await expect(page.getByTestId('backend-probe')).toContainText('webgpu 9.0 ms (40 ms at 320 rows)');
  // Setup is locked while the run trains: the offer waits for it.
  await expect(page.getByTestId('gpu-offer-use')).toBeDisabled();
  await waitForPhase(page, /complete/, 240_000);
  await expect(page.getByTestId('gpu-offer-use')).toBeEnabled();
  await offer.scrollIntoViewIfNeeded();
  await attachScreenshot(page, testInfo, 'gpu-offer-1280.png', false);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: 'docs/ui-gpu-offer-1280.png' });
  await page.getByTestId('gpu-offer-use').click();
  await expect(page.getByTestId('preset')).toHaveValue('demo-gpu');
  await expect(page.locator('#steps')).toHaveValue('1');
  await expect(offer).toHaveCount(0);
  expect(problems, problems.join('\n')).toEqual([]);
});

test("offers nothing on SwiftShader's software adapter (the real probe)", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    return a ? [a.info.vendor, a.info.architecture, a.info.description].join(' ') : null;
  });
  test.skip(!adapter || !/swiftshader/i.test(adapter), `this browser's WebGPU adapter is not SwiftShader (${adapter})`);
  await startShortDemo(page);
  const probe = page.getByTestId('backend-probe');
  await expect(probe).toBeVisible({ timeout: 120_000 });
  await waitForPhase(page, /complete/, 240_000);
  const text = (await probe.textContent()) ?? '';
  // No hardware GPU: nothing was timed at the larger batch.
  expect(text).toContain('webgpu');
  expect(text).not.toContain('rows');
  await expect(page.getByTestId('gpu-offer')).toHaveCount(0);
  expect(problems, problems.join('\n')).toEqual([]);
});
