/** Race mode: one click trains InfoPO and GRPO side by side; runs can be overlaid. Tiny model (smoke preset). */
import { test, expect } from '@playwright/test';
import { watchConsole } from './watch';

test('race: both methods train at once on the same instances, overlaid on three charts', async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  await page.goto('/');
  await page.getByTestId('preset').selectOption('smoke');
  await page.getByTestId('race-start').click();
  const lanes = page.getByTestId('race-lane');
  await expect(lanes).toHaveCount(2);
  await expect(lanes.nth(0)).toHaveAttribute('data-method', 'infopo');
  await expect(lanes.nth(1)).toHaveAttribute('data-method', 'grpo');
  // One click starts both workers at once (loading a worker and its tokenizer alone takes over a second).
  expect(await lanes.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['running', 'running']);
  await expect(lanes.nth(0)).toHaveAttribute('data-status', 'complete', { timeout: 180_000 });
  await expect(lanes.nth(1)).toHaveAttribute('data-status', 'complete', { timeout: 180_000 });
  for (const lane of [lanes.nth(0), lanes.nth(1)]) {
    await expect(lane).toContainText('on wasm');
    await expect(lane.getByTestId('race-step')).toHaveText('3');
  }
  await expect(page.getByTestId('race-same')).toContainText('✓');
  for (const id of ['compare-success', 'compare-tied', 'compare-gate']) {
    const chart = page.getByTestId(id);
    await expect(chart).toBeVisible();
    await expect(chart.locator('canvas')).toHaveCount(1);
    await expect(chart).toContainText('InfoPO');
    await expect(chart).toContainText('GRPO');
  }
  await expect(page.getByTestId('compare-run')).toHaveCount(2);
  // The sticky backend strip would be stitched into the middle of an element screenshot.
  if (process.env.UPDATE_SCREENSHOTS) await page.addStyleTag({ content: '.strip { position: static !important; }' });
  if (process.env.UPDATE_SCREENSHOTS) await page.getByTestId('compare').screenshot({ path: 'docs/ui-race-1280.png' });
  // A malformed run.json is refused with a reason; the overlay keeps its runs.
  await page.getByTestId('compare-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
  await expect(page.getByTestId('compare-error')).toContainText('bad.json');
  await expect(page.getByTestId('compare-run')).toHaveCount(2);
  expect(problems, problems.join('\n')).toEqual([]);
});
