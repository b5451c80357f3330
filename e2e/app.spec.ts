/**
 * The page, end to end, in real Chromium (WebGPU on SwiftShader here). Needs a build:
 * `npx vite build && npx playwright test e2e/app.spec.ts`. Every console error, page error and
 * WebGPU validation warning fails a test.
 */
import { test, expect } from '@playwright/test';
import { attachScreenshot, watchConsole } from './watch';
import { configFromPresets, encodeShare } from '../src/engine';

test('auto times every backend, names the software adapter and picks the fastest measured', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await page.getByTestId('preset').selectOption('smoke');
  await expect(page.getByTestId('backend-preference')).toHaveValue('auto');
  await page.getByTestId('start').click();
  const probe = page.getByTestId('backend-probe');
  await expect(probe).toBeVisible({ timeout: 120_000 });
  const text = (await probe.textContent()) ?? '';
  // One figure (or a reason) per backend, and the choice is the smallest figure.
  const figures = [...text.matchAll(/(webgpu|wasm|cpu) (\d+(?:\.\d+)?) (ms|s)\b/g)].map((m) => ({ name: m[1], ms: Number(m[2]) * (m[3] === 's' ? 1000 : 1) }));
  for (const name of ['webgpu', 'wasm', 'cpu']) expect(text).toContain(name);
  expect(figures.length).toBeGreaterThanOrEqual(1);
  const fastest = figures.reduce((a, b) => (b.ms < a.ms ? b : a));
  await expect(page.getByTestId('backend')).toHaveText(fastest.name);
  // SwiftShader is a software adapter: the page says so before a run...
  await expect(page.getByText(/software adapter only \(google \/ swiftshader\)/)).toBeVisible();
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'complete', { timeout: 120_000 });
  await expect(page.getByTestId('start')).toHaveText('Start again');
  await expect(page.getByTestId('phase-step')).toContainText(/Phase \d+ \/ \d+: final evaluation/);
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: 'docs/ui-auto-1280.png' });
  expect(problems, problems.join('\n')).toEqual([]);
});

test('smoke run on WebGPU: backend, live steps, inspector, no console errors', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /InfoPO Sandbox/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /arXiv 2603\.00656/ }).first()).toHaveAttribute('href', 'https://arxiv.org/abs/2603.00656');

  await page.getByTestId('preset').selectOption('smoke');
  await page.getByTestId('backend-preference').selectOption('webgpu');
  await page.getByTestId('start').click();

  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 60_000 });
  // ...and during a run on it.
  await expect(page.getByTestId('adapter')).toContainText('software adapter');
  await expect(page.getByTestId('software-adapter')).toBeVisible();
  await expect(page.getByTestId('fallback-reason')).toHaveCount(0);

  // SwiftShader runs WebGPU on the CPU: a smoke step takes tens of seconds. Fail fast on a run error.
  const rows = page.getByTestId('step-row');
  const runError = page.getByTestId('run-error');
  const deadline = Date.now() + 300_000;
  while ((await rows.count()) < 2) {
    if (await runError.count()) throw new Error(`The run failed: ${await runError.textContent()}`);
    if (Date.now() > deadline) throw new Error(`Timed out with ${await rows.count()} step rows`);
    await page.waitForTimeout(1000);
  }
  // One row per step, carrying its step number and success/return.
  await expect(page.locator('[data-testid="step-row"][data-step="1"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="step-row"][data-step="1"] td').first()).toHaveText('1');
  await expect(page.locator('[data-testid="step-row"][data-step="1"] td').nth(1)).toHaveText(/%$/);

  // Let the run finish (final evaluation + record), then the inspector explains a turn.
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', /complete|failed/, { timeout: 300_000 });
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'complete');
  await expect(page.getByTestId('explain')).toBeVisible();
  await expect(page.getByTestId('explain-check')).toContainText('✓');
  await expect(page.getByTestId('export-run')).toBeEnabled();

  await attachScreenshot(page, testInfo, 'app.png');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('a malformed share link shows an error banner and keeps the default setup', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  await page.goto('/?v=1&c=garbage');
  await expect(page.getByTestId('share-error')).toBeVisible();
  await expect(page.getByTestId('share-error')).toContainText('Shared link');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  await expect(page.getByRole('radio', { name: 'infopo' })).toBeChecked();
  await expect(page.locator('#seed')).toHaveValue('1');
  await expect(page.getByTestId('start')).toBeEnabled();

  await page.goto('/?v=9&c=x');
  await expect(page.getByTestId('share-error')).toContainText('unsupported version');
  await attachScreenshot(page, testInfo, 'share-error.png');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('a valid share link fills the setup; a malformed run.json import changes nothing', async ({ page }) => {
  const problems = watchConsole(page);
  const config = configFromPresets(['smoke'], { seed: 42, method: 'grpo', beta: 0.1 });
  await page.goto(`/?${encodeShare(config)}`);
  await expect(page.getByTestId('share-error')).toHaveCount(0);
  await expect(page.locator('#seed')).toHaveValue('42');
  await expect(page.getByRole('radio', { name: 'grpo' })).toBeChecked();
  await expect(page.locator('#steps')).toHaveValue(String(config.steps));

  // An invalid field shows its error, disables Start, and keeps the other edits.
  await page.locator('#steps').fill('-1');
  await expect(page.getByTestId('setup-invalid')).toBeVisible();
  await expect(page.getByTestId('start')).toBeDisabled();
  await expect(page.locator('#seed')).toHaveValue('42');
  await page.locator('#steps').fill('3');
  await expect(page.getByTestId('start')).toBeEnabled();

  await page.getByTestId('import-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "something else"}') });
  await expect(page.getByTestId('import-error')).toContainText('Not a valid run.json');
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'idle');
  expect(problems, problems.join('\n')).toEqual([]);
});
