/**
 * Runs that survive a reload (issue 11): autosave to IndexedDB, "Resume run from step k" after a
 * reload, the same fingerprint as an uninterrupted run (wasm backend: SwiftShader WebGPU is slow and
 * not bit-for-bit), the leave-page prompt, and the run library.
 */
import { test, expect, type Page } from '@playwright/test';
import { attachScreenshot, watchConsole } from './watch';
import { configFromPresets, encodeShare } from '../src/engine';

// Long enough to reload in the middle (a smoke step takes well under a second on wasm); a warm
// start of 40 steps leaves time to see the leave-page prompt before the first snapshot.
const config = configFromPresets(['smoke'], { steps: 16, sftSteps: 40, evalEvery: 5, traceEvery: 4, seed: 11 });

async function startOnWasm(page: Page): Promise<void> {
  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('start').click();
}

/** The run really is on wasm (a fallback to cpu would give another fingerprint). */
async function onWasm(page: Page): Promise<void> {
  await expect(page.getByTestId('backend')).toHaveText(/^(wasm|cpu|webgpu)$/, { timeout: 60_000 });
  if (await page.getByTestId('fallback-reason').count()) throw new Error(`fell back: ${await page.getByTestId('fallback-reason').textContent()}`);
  await expect(page.getByTestId('backend')).toHaveText('wasm');
}

async function finished(page: Page): Promise<void> {
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', /complete|failed/, { timeout: 120_000 });
  const error = page.getByTestId('run-error');
  if (await error.count()) throw new Error(`The run failed: ${await error.textContent()}`);
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'complete');
}

test('reload in the middle of a run, resume from the autosave: same fingerprint as uninterrupted; the library lists and deletes runs', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const problems = watchConsole(page);
  await page.goto(`/?${encodeShare(config)}`);
  await expect(page.getByTestId('run-library')).toContainText('No stored runs yet');
  // An opened link says so (nothing is offered for resuming yet).
  await expect(page.getByTestId('notice')).toHaveText('Setup loaded from the link. Press Start to reproduce the run.');

  // The reference: one uninterrupted run, listed in the library once complete.
  await startOnWasm(page);
  await finished(page);
  await onWasm(page);
  const rows = page.getByTestId('library-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-status', 'complete');
  const reference = (await rows.first().getAttribute('data-fingerprint'))!;
  expect(reference).toMatch(/^[0-9a-f]{64}$/);
  await expect(rows.first()).toContainText(`${config.steps}/${config.steps}`);

  // The same setup again; during the warm start nothing is saved, so leaving asks first.
  await startOnWasm(page);
  await onWasm(page);
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'warm-start', { timeout: 60_000 });
  const asks = await page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });
  expect(asks).toBe(true);
  // Reload once a few steps are autosaved (the second library row shows its snapshot's step).
  const live = page.locator('[data-testid="library-row"][data-status="running"]');
  await expect(live).toContainText(/snapshot: step ([4-9]|1\d)/, { timeout: 120_000 });
  page.on('dialog', (d) => void d.accept());
  await page.reload();

  // After the reload: the offer, then the resumed run to the end.
  const offer = page.getByTestId('resume-run');
  await expect(offer).toHaveText(/^Resume run from step (\d+)$/);
  const from = Number((await offer.textContent())!.match(/\d+/)![0]);
  expect(from).toBeGreaterThanOrEqual(4);
  expect(from).toBeLessThan(config.steps);
  await expect(page.getByTestId('run-library')).toContainText('interrupted');
  // A plain reload: the offer is the one message (no "Press Start to reproduce the run" beside it).
  // Counted once, not awaited: a notice is a 4-second flash, so waiting for none would pass anyway.
  await expect(page.getByTestId('resume-offer')).toHaveCount(1);
  expect(await page.getByTestId('notice').count(), 'a notice beside the resume offer').toBe(0);
  await attachScreenshot(page, testInfo, 'resume-offer.png');
  await page.getByTestId('backend-preference').selectOption('wasm');
  await offer.click();
  await expect(page.getByTestId('resume-offer')).toHaveCount(0);
  await onWasm(page);
  await finished(page);
  // Steps before the snapshot were restored, the rest trained again: the whole run is there.
  await expect(page.getByTestId('step-row')).toHaveCount(config.steps);
  await expect(rows).toHaveCount(2);
  await expect(page.locator('[data-testid="library-row"][data-status="complete"]')).toHaveCount(2);
  const fingerprints = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-fingerprint')));
  expect(fingerprints).toEqual([reference, reference]);
  await attachScreenshot(page, testInfo, 'library.png');

  // Open shows a stored run as what it is: a saved run, by its name (an imported file is an "Imported run").
  const name = (await rows.first().getByTestId('library-name').textContent())!;
  await rows.first().getByTestId('library-open').click();
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'imported');
  await expect(page.getByTestId('phase')).toContainText(`Saved run (${name}, status complete)`);
  await expect(page.getByTestId('phase')).not.toContainText('Imported run');

  // Rename, then delete one run: the other stays.
  await rows.first().getByRole('button', { name: 'Rename' }).click();
  await page.getByTestId('library-name-input').fill('resumed after a reload');
  await page.getByTestId('library-name-input').press('Enter');
  await expect(rows.first().getByTestId('library-name')).toHaveText('resumed after a reload');
  // (The confirm() is accepted by the dialog handler set before the reload.)
  await rows.first().getByTestId('library-delete').click();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('library-name')).not.toHaveText('resumed after a reload');
  // And it stays deleted after a reload.
  await page.reload();
  await expect(rows).toHaveCount(1);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('a lost WebGPU device (a real device.destroy() in the worker) offers to continue on wasm from the last snapshot', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  // SwiftShader: a smoke step takes seconds to tens of seconds; 3 steps, a snapshot after each.
  const small = configFromPresets(['smoke'], { steps: 3, seed: 12 });
  await page.goto(`/?${encodeShare(small)}`);
  await page.getByTestId('backend-preference').selectOption('webgpu');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 60_000 });
  const live = page.locator('[data-testid="library-row"][data-status="running"]');
  await expect(live).toContainText(/snapshot: step [12]/, { timeout: 240_000 });
  // Lose the device the way a driver reset does: tfjs's own GPUDevice, destroyed from inside the worker.
  const worker = page.workers().find((w) => w.url().includes('trainer.worker'));
  expect(worker, 'the training worker').toBeTruthy();
  await worker!.evaluate(() => (globalThis as unknown as { _tfengine: { backendInstance: { device: GPUDevice } } })._tfengine.backendInstance.device.destroy());
  const banner = page.getByTestId('device-lost');
  await expect(banner).toContainText('The WebGPU device was lost');
  const button = page.getByTestId('continue-on-wasm');
  await expect(button).toHaveText(/^Continue on wasm from step [12]$/);
  await attachScreenshot(page, testInfo, 'device-lost.png');
  await button.click();
  await expect(page.getByTestId('device-lost')).toHaveCount(0);
  await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 60_000 });
  await finished(page);
  await expect(page.getByTestId('step-row')).toHaveCount(small.steps);
  await expect(page.locator('[data-testid="library-row"][data-status="complete"]')).toHaveCount(1);
});
