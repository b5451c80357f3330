/** Race mode: one click trains InfoPO and GRPO side by side; runs can be overlaid. Tiny model (smoke preset). */
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { raceVerdict, type RunRecord } from '../src/engine';
import { watchConsole } from './watch';

test('race: both methods train at once on the same instances; mechanism charts and a verdict that is the records\' own', async ({ page }) => {
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
  for (const id of ['compare-success', 'compare-uninformative', 'compare-credit', 'compare-tied']) {
    const chart = page.getByTestId(id);
    await expect(chart).toBeVisible();
    await expect(chart.locator('canvas')).toHaveCount(1);
    await expect(chart).toContainText('InfoPO');
    await expect(chart).toContainText('GRPO');
  }
  // The caption is short; the rest is one click away.
  expect((await page.getByTestId('race-caption').innerText()).split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(40);
  // Each lane's record, as the page hands it out: the mechanism metrics have data, and the verdict is computed from them.
  const records: RunRecord[] = [];
  for (const lane of [lanes.nth(0), lanes.nth(1)]) {
    const [download] = await Promise.all([page.waitForEvent('download'), lane.getByTestId('race-download').click()]);
    records.push(JSON.parse(readFileSync((await download.path())!, 'utf8')) as RunRecord);
  }
  expect(records.map((r) => r.config.method)).toEqual(['infopo', 'grpo']);
  for (const r of records) {
    expect(r.steps.some((s) => Number.isFinite(s.metrics.uninformative_share))).toBe(true);
    expect(r.evaluations.every((e) => e.successes?.length === e.episodes)).toBe(true);
  }
  // GRPO gives tied groups no credit at all; InfoPO's credit there is its information gain.
  expect(records[1].steps.every((s) => !Number.isFinite(s.metrics.tied_credit_informative) || s.metrics.tied_credit_informative === 0)).toBe(true);
  const expected = raceVerdict(records[0].evaluations, records[1].evaluations)!;
  const verdict = page.getByTestId('race-verdict');
  await expect(verdict).toBeVisible();
  for (const [attr, value] of [['data-area-infopo', expected.a.area], ['data-area-grpo', expected.b.area], ['data-area-diff', expected.areaDifference.mean], ['data-area-lo', expected.areaDifference.ci95[0]], ['data-area-hi', expected.areaDifference.ci95[1]]] as const) {
    expect(Number(await verdict.getAttribute(attr)), attr).toBeCloseTo(value, 9);
  }
  // The lane cards show the same quantities as the success chart, labelled the same.
  await expect(lanes.nth(0).getByTestId('race-test')).toContainText(`test at step ${records[0].evaluations.at(-1)!.step}`);
  await expect(lanes.nth(0).getByTestId('race-train')).toContainText('5-step mean');
  await expect(page.getByTestId('compare-run')).toHaveCount(2);
  // A malformed run.json is refused with a reason; the overlay keeps its runs.
  await page.getByTestId('compare-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
  await expect(page.getByTestId('compare-error')).toContainText('bad.json');
  await expect(page.getByTestId('compare-run')).toHaveCount(2);
  // Narrowed after the charts were drawn (a phone turned, a window resized): they follow, no sideways scroll.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(problems, problems.join('\n')).toEqual([]);
});
