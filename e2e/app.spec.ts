/**
 * The page, end to end, in real Chromium (WebGPU on SwiftShader here). Needs a build:
 * `npx vite build && npx playwright test e2e/app.spec.ts`. Every console error, page error and
 * WebGPU validation warning fails a test.
 */
import { test, expect, type ConsoleMessage, type Page, type TestInfo } from '@playwright/test';
import { configFromPresets } from '../src/engine/config';
import { encodeShare } from '../src/engine/share';

/**
 * WebGPU validation failures (an invalid pipeline, a WGSL error) are only console *warnings*, and the
 * op's output then silently holds stale memory; a synchronous GPU read destroys the device on
 * SwiftShader. Both count as failures, like any console error.
 */
const GPU_TROUBLE = /WGSL|ShaderModule|ComputePipeline|BindGroup|storage buffers|is invalid|synchronously reading/i;

function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  const onConsole = (where: string) => (msg: ConsoleMessage) => {
    const text = msg.text();
    if (msg.type() === 'error' || (msg.type() === 'warning' && GPU_TROUBLE.test(text))) problems.push(`[${where} console.${msg.type()}] ${text} (${msg.location().url})`);
  };
  page.on('console', onConsole('page'));
  // Training runs in a Web Worker: its console (and the GPU warnings raised there) is separate.
  page.on('worker', (worker) => worker.on('console', onConsole('worker')));
  page.on('pageerror', (err) => problems.push(`[pageerror] ${err.message}`));
  return problems;
}

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('smoke run on WebGPU: backend, live steps, inspector, no console errors', async ({ page }, testInfo) => {
  test.setTimeout(360_000);
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /InfoPO Sandbox/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /arXiv 2603\.00656/ }).first()).toHaveAttribute('href', 'https://arxiv.org/abs/2603.00656');

  await page.getByTestId('preset').selectOption('smoke');
  await expect(page.getByTestId('backend-preference')).toHaveValue('auto');
  await page.getByTestId('start').click();

  await expect(page.getByTestId('backend')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('adapter')).not.toBeEmpty();
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
  await expect(page.getByTestId('preset')).toHaveValue('');
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
