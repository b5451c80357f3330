/**
 * The landing page at a phone's and a laptop's width. With UPDATE_SCREENSHOTS=1 the screenshots are
 * also written to docs/ (referenced from docs/ui.md).
 */
import { test, expect, type Page } from '@playwright/test';
import { waitForPhase, watchConsole } from './watch';

async function shoot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: `docs/${name}` });
}

test('390 px: no sideways scroll, Start before the form, the strip does not stick', async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const start = await page.getByTestId('start').boundingBox();
  const form = await page.getByTestId('preset').boundingBox();
  expect(start!.y + start!.height).toBeLessThan(844);
  expect(start!.y).toBeLessThan(form!.y);
  await expect(page.getByTestId('start')).toHaveText('Start');
  await shoot(page, 'ui-390.png');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('1280 px: the success and gate/tied-groups charts are above the fold', async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  for (const id of ['chart-success', 'chart-gate']) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box, id).not.toBeNull();
    expect(box!.y + box!.height, `${id} bottom`).toBeLessThanOrEqual(800);
  }
  await shoot(page, 'ui-1280.png');
  expect(problems, problems.join('\n')).toEqual([]);
});

test('reset all returns to the landing demo, not to the schema defaults', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  const reset = page.getByTestId('reset-all');
  await expect(reset).toBeDisabled();
  await page.getByTestId('preset').selectOption('');
  await page.locator('#steps').fill('7');
  await expect(reset).toBeEnabled();
  await reset.click();
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  await expect(page.locator('#steps')).toHaveValue('30');
  await expect(reset).toBeDisabled();
});

/** Elements under `selector` whose text is wider than their box (cut, or hidden behind an ellipsis). */
const overflowing = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${e.className} ${e.scrollWidth}/${e.clientWidth}: ${e.textContent}`));

test('after a demo run at 390 px: an overall ETA before the first RL step; tiles, inspector and explain fit the page', async ({ page }) => {
  test.setTimeout(300_000);
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.getByTestId('preset')).toHaveValue('demo');
  // 10 of the demo's 30 steps: traces at steps 1, 5 and 10, test evaluations at 0, 5 and 10.
  await page.locator('#steps').fill('10');
  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('start').click();
  // The evaluation before RL (step 0): the ETA covers the whole run, estimated since no RL step is timed yet.
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'evaluating', { timeout: 120_000 });
  await expect(page.getByTestId('eta')).toHaveAttribute('data-estimated', 'true');
  await expect(page.getByTestId('eta')).toHaveText(/^≈ \d/);
  await waitForPhase(page, /complete/, 240_000);

  const tiles = '[data-testid="tiles"] *';
  await expect(page.getByTestId('tile-test-success')).toContainText(/step 0: \d/);
  expect(await overflowing(page, tiles)).toEqual([]);

  // The group with the longest instance id (70+ characters without a space), then Explain on its first turn.
  const inspector = page.getByTestId('inspector');
  let longest = { step: '', group: 0, length: 0 };
  for (const step of await page.getByTestId('trace-step').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))) {
    await page.getByTestId('trace-step').selectOption(step);
    const groups = inspector.locator('.groups button');
    for (let g = 0; g < (await groups.count()); g++) {
      await groups.nth(g).click();
      const length = ((await inspector.locator('.instance code').textContent()) ?? '').length;
      // The demo's R is 1 or 0 (reward = success): the task's step rewards are not part of it and are not shown beside it.
      expect(await inspector.getByText(/step reward/).count()).toBe(0);
      if (length > longest.length) longest = { step, group: g, length };
    }
  }
  expect(longest.length).toBeGreaterThan(60);
  await page.getByTestId('trace-step').selectOption(longest.step);
  await inspector.locator('.groups button').nth(longest.group).click();
  await inspector.getByRole('button', { name: 'explain' }).first().click();
  await expect(page.getByTestId('explain-check')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Formulas wrap at their relations rather than hide their results behind a sideways scroll.
  expect(await overflowing(page, '[data-testid="explain"] .tex.display')).toEqual([]);

  await page.setViewportSize({ width: 1280, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
  expect(await overflowing(page, tiles)).toEqual([]);
  expect(problems, problems.join('\n')).toEqual([]);
});

test.describe('first visit', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('the tour opens once, steps through five ideas, and comes back from the header', async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto('/');
    const tour = page.getByTestId('tour');
    await expect(tour).toBeVisible();
    const titles: string[] = [];
    for (let i = 0; i < 5; i++) {
      titles.push((await page.getByTestId('tour-title').textContent()) ?? '');
      if (i < 4) await page.getByTestId('tour-next').click();
    }
    expect(titles).toEqual(['The agent', 'The user', 'A group', 'The gate', 'The information gain']);
    // The landing demo masks answers with the non-answer its warm start has seen, and the tour says so.
    await expect(tour).toContainText('this setup masks it with "i have to think ."');
    await page.getByTestId('tour-done').click();
    await expect(tour).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('preset')).toHaveValue('demo');
    await expect(tour).toHaveCount(0);
    await page.getByTestId('tour-open').click();
    await expect(page.getByTestId('tour-title')).toHaveText('The agent');
    await page.getByTestId('tour-close').click();
    await expect(tour).toHaveCount(0);
    // Chart captions explain their symbols on hover.
    await expect(page.getByTestId('chart-gate').locator('abbr.gloss', { hasText: 'σ_g' }).first()).toHaveAttribute('title', /standard deviation|spread/);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
