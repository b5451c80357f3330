/**
 * Links and files from outside (docs/ui.md "Share links", "Export and import"): a link's verdict,
 * a tampered run.json, unknown keys, an oversized setup, a hostile link. Production build.
 */
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import lzString from 'lz-string';
import { attachScreenshot, waitForPhase, watchConsole } from './watch';
import { configFromPresets, diffFromDefaults, encodeShare } from '../src/engine';

const ROOT = resolve(import.meta.dirname, '..');
const payload = (value: unknown) => lzString.compressToEncodedURIComponent(JSON.stringify(value));

test('a run from a link says whether it reproduced the linked fingerprint, and the address bar keeps the proof', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const config = configFromPresets(['smoke'], { steps: 1, sftSteps: 2, evalEpisodes: 1 });
  // The link claims a cpu run; the page follows its backend, and we run on wasm instead.
  const claimed = 'e'.repeat(64);
  await page.goto(`/#${encodeShare(config, { backend: 'cpu', fingerprint: claimed })}`);
  await expect(page.getByTestId('backend-preference')).toHaveValue('cpu');
  expect(page.url()).toContain(`&b=cpu&f=${claimed}`);
  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('start').click();
  await waitForPhase(page, /complete/, 120_000);
  await expect(page.getByTestId('repro-verdict')).toHaveAttribute('data-verdict', 'differs-backend');
  await expect(page.getByTestId('repro-verdict')).toContainText('differs (backend wasm vs cpu)');
  // The run's own link carries its backend and fingerprint.
  await expect(page.getByTestId('copy-run-link')).toBeVisible();
  await attachScreenshot(page, testInfo, 'verdict-differs.png', false);

  // An edited setup is no longer the linked run: the proof leaves the address bar, and no verdict follows.
  await page.locator('#seed').fill('9');
  await expect.poll(() => page.url()).not.toContain('&f=');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('an imported run.json whose figures were edited is marked modified; the original verifies', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const dir = mkdtempSync(join(tmpdir(), 'infopo-tamper-'));
  try {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/experiment.ts'), '--quiet', '--preset', 'smoke', '--set', 'steps=2', '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const text = readFileSync(join(dir, 'run.json'), 'utf8');
    await page.goto('/');
    await page.getByTestId('import-file').setInputFiles({ name: 'original.run.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await expect(page.getByTestId('integrity')).toHaveAttribute('data-integrity', 'verified');
    await expect(page.getByTestId('modified-banner')).toHaveCount(0);
    await expect(page.getByTestId('phase')).toContainText('Imported run (original.run.json, status complete)');

    // The edit: success figures raised to 97%, fingerprint and status untouched.
    const edited = JSON.parse(text);
    for (const e of edited.evaluations) e.success = 0.97;
    for (const s of edited.steps) s.metrics.success = 0.97;
    edited.future_field = 'x';
    await page.getByTestId('import-file').setInputFiles({ name: 'edited.run.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(edited)) });
    await expect(page.getByTestId('modified-banner')).toBeVisible();
    await expect(page.getByTestId('modified-banner')).toContainText('This record was modified after its run');
    await expect(page.getByTestId('integrity')).toHaveAttribute('data-integrity', 'modified');
    await expect(page.getByTestId('integrity')).toContainText('modified');
    // Shown, not hidden: the edited figures are on the page, under the banner.
    await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'imported');
    await expect(page.getByTestId('ignored-keys')).toContainText('Ignored an unknown key in edited.run.json: "future_field"');
    await attachScreenshot(page, testInfo, 'modified-import.png', false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(problems, problems.join('\n')).toEqual([]);
});

test('unknown keys in a link: the rest loads and one short line names them', async ({ page }, testInfo) => {
  const problems = watchConsole(page);
  const huge = 'q'.repeat(200_000);
  const config = configFromPresets(['smoke'], { seed: 77 });
  await page.goto(`/#v=1&c=${payload({ ...diffFromDefaults(config), futureKnob: 1, [huge]: 2 })}`);
  await expect(page.getByTestId('share-error')).toHaveCount(0);
  await expect(page.locator('#seed')).toHaveValue('77');
  const line = page.getByTestId('ignored-keys');
  await expect(line).toContainText('Ignored 2 unknown keys in the link: "futureKnob", "qqqq');
  await expect(line).toContainText('(200000 chars)');
  expect((await line.boundingBox())!.height).toBeLessThan(80);
  await attachScreenshot(page, testInfo, 'ignored-keys.png', false);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('an oversized setup is refused before Start with the reason; a long error stays short', async ({ page }, testInfo) => {
  test.setTimeout(60_000);
  const problems = watchConsole(page);
  // The link: the largest allowed sizes (took Chromium from 1 to 11 GB in 40 s).
  await page.goto(`/#v=1&c=${payload({ dModel: 1024, nLayers: 24, groupSize: 64, promptsPerStep: 512 })}`);
  await expect(page.getByTestId('share-error')).toHaveCount(0);
  await expect(page.getByTestId('resource-refusal')).toContainText('This setup is too large for this device');
  await expect(page.getByTestId('resource-refusal')).toContainText('M parameters');
  await expect(page.getByTestId('start')).toBeDisabled();
  await attachScreenshot(page, testInfo, 'oversized.png', false);
  // Smaller, still large: a warning, Start allowed.
  await page.goto(`/#v=1&c=${payload({ dModel: 256, nHeads: 4, nLayers: 4 })}`);
  await expect(page.getByTestId('resource-warning')).toContainText('This setup needs up to');
  await expect(page.getByTestId('start')).toBeEnabled();

  // A link whose invalid value is 100 KB long: a short banner, the rest on demand.
  await page.goto(`/#v=1&c=${payload({ task: 'x'.repeat(100_000) })}`);
  const banner = page.getByTestId('share-error');
  await expect(banner).toBeVisible();
  expect((await banner.boundingBox())!.height).toBeLessThan(120);
  await expect(banner.getByText(/^Details/)).toBeVisible();
  // An over-long payload is refused outright.
  await page.goto(`/#v=1&c=${'A'.repeat(40_000)}`);
  await expect(page.getByTestId('share-error')).toContainText('more than any valid setup needs');
  expect(problems, problems.join('\n')).toEqual([]);
});
