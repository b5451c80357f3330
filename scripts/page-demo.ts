/**
 * The landing demo as a visitor meets it, timed in the page: one Start run and one race, in
 * headless Chromium against a running server (`npm start`, or `npm run preview` with --url).
 * Prints, per run or lane, the seconds from the click to the first test evaluation at least
 * +0.20 above step 0 (the target: 90 s), and optionally writes the screenshots of docs/ui.md
 * (ui-demo-1280, ui-race-1280, ui-race-390). A measurement to look at, not a test: the seconds depend on the machine.
 *
 *   npm run page-demo -- [--url http://localhost:5173] [--shots DIR] [--no-single] [--no-race]
 */
import { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, systemChromium } from '../src/cli/browser';
import { runWhenEntry } from '../src/cli/processes';
import { firstRise, VISIBLE_RISE } from '../src/engine';

const POLL_MS = 200;
const LIMIT_MS = 600_000;

/** A percentage the page shows ("22.3%") as a fraction. */
export const fraction = (text: string): number | null => {
  const m = /(-?[\d.]+)%/.exec(text);
  return m ? Number(m[1]) / 100 : null;
};

interface Timed {
  baseline: number | null;
  /** Seconds from the click to the first evaluation at least VISIBLE_RISE above step 0. */
  rise_s: number | null;
  final: number | null;
  done_s: number;
}

/** Whether the evaluations seen so far show the rise the demo benchmark times (first-rise's definition). */
export const hasRisen = (evals: readonly { step: number; success: number }[]): boolean => firstRise([], evals, { margin: VISIBLE_RISE }).evalStep !== null;

/** Polls `read` (step, success) pairs until `finished`, noting when success first rises by VISIBLE_RISE. */
async function watch(read: () => Promise<{ step: number; success: number }[]>, finished: () => Promise<boolean>): Promise<Timed> {
  const t0 = Date.now();
  let rise: number | null = null;
  let evals: { step: number; success: number }[] = [];
  for (;;) {
    evals = await read();
    if (rise === null && hasRisen(evals)) rise = (Date.now() - t0) / 1000;
    if (await finished()) break;
    if (Date.now() - t0 > LIMIT_MS) throw new Error(`page-demo: not finished after ${LIMIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  evals = await read();
  return { baseline: evals.find((e) => e.step === 0)?.success ?? null, rise_s: rise, final: evals.at(-1)?.success ?? null, done_s: (Date.now() - t0) / 1000 };
}

async function open(url: string, width: number): Promise<Page> {
  const browser = await chromium.launch({ executablePath: systemChromium(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.addInitScript(() => localStorage.setItem('infopo-tour-seen', '1'));
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  await page.getByTestId('start').waitFor();
  return page;
}

async function main(argv: string[]): Promise<number> {
  const o = new Command()
    .option('--url <url>', 'the running page', 'http://localhost:5173')
    .option('--shots <dir>', 'write screenshots here')
    .option('--no-single', 'skip the single Start run')
    .option('--no-race', 'skip the race')
    .parse(argv)
    .opts<{ url: string; shots?: string; single: boolean; race: boolean }>();
  if (o.shots) mkdirSync(o.shots, { recursive: true });
  const shot = (page: Page, name: string) => (o.shots ? page.screenshot({ path: join(o.shots, `${name}.png`) }) : Promise.resolve());
  const report: Record<string, unknown> = { url: o.url };

  if (o.single) {
    const page = await open(o.url, 1280);
    await page.getByTestId('start').click();
    const rows = page.getByTestId('evaluations').locator('tbody tr');
    report.single = await watch(
      async () => (await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))).map((cells) => ({ step: Number(cells[0]), success: fraction(cells[3]) ?? NaN })),
      async () => /complete|failed|stopped/.test((await page.getByTestId('phase').getAttribute('data-phase')) ?? ''),
    );
    report.single_phase = await page.getByTestId('phase').getAttribute('data-phase');
    await shot(page, 'ui-demo-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(1000);
    report.single_390_scroll_width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.context().browser()!.close();
  }

  if (o.race) {
    const page = await open(o.url, 1280);
    await page.getByTestId('race-start').click();
    const lanes = page.getByTestId('race-lane');
    const lane = (i: number) => async () => {
      const text = (await lanes.nth(i).getByTestId('race-test').textContent().catch(() => null)) ?? '';
      const m = /test at step (\d+)/.exec(text);
      return m ? [{ step: Number(m[1]), success: fraction(text) ?? NaN }] : [];
    };
    // The lane card shows the latest evaluation only: remember every one seen.
    const seen = [new Map<number, number>(), new Map<number, number>()];
    const remember = (i: number) => async () => {
      for (const e of await lane(i)()) seen[i].set(e.step, e.success);
      return [...seen[i]].map(([step, success]) => ({ step, success }));
    };
    const done = (i: number) => async () => /complete|failed|stopped/.test((await lanes.nth(i).getAttribute('data-status')) ?? '');
    const [infopo, grpo] = await Promise.all([watch(remember(0), done(0)), watch(remember(1), done(1))]);
    report.race = { infopo, grpo, verdict: (await page.getByTestId('race-verdict').textContent().catch(() => null))?.trim() ?? null };
    await page.addStyleTag({ content: '.strip { position: static !important; }' });
    await page.getByTestId('compare').scrollIntoViewIfNeeded();
    if (o.shots) await page.getByTestId('compare').screenshot({ path: join(o.shots, 'ui-race-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(1000); // the charts re-measure their width on resize
    if (o.shots) await page.getByTestId('compare').screenshot({ path: join(o.shots, 'ui-race-390.png') });
    report.race_390_scroll_width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.context().browser()!.close();
  }
  console.log(JSON.stringify(report, null, 1));
  return 0;
}

runWhenEntry(import.meta.url, main);
