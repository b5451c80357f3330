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
