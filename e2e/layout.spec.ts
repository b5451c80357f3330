/**
 * The landing page at a phone's and a laptop's width. With UPDATE_SCREENSHOTS=1 the screenshots are
 * also written to docs/ (referenced from docs/ui.md).
 */
import { test, expect, type Page } from '@playwright/test';
import { watchConsole } from './watch';

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
