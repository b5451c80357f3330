/**
 * The LM user in the page (docs/users.md, "In the page"): a short run whose users' replies the shipped
 * user-lm writes, through transformers.js and onnxruntime-web served by the app itself, and the
 * reverse play mode where a person plays the agent and the LM user answers. Nothing may be fetched
 * from outside the page's origin (no CDN for onnxruntime's wasm, no Hub). Production build, wasm.
 */
import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import lzString from 'lz-string';
import { configFromPresets, diffFromDefaults, encodeShare, type RunRecord } from '../src/engine';
import { waitForPhase, watchConsole } from './watch';

const lzPayload = (value: unknown) => lzString.compressToEncodedURIComponent(JSON.stringify(value));

/** Every request of the page and its workers that leaves the page's own origin. */
function watchRequests(page: Page): string[] {
  const outside: string[] = [];
  page.context().on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== 'localhost') outside.push(r.url());
  });
  return outside;
}

/** Record whether a user model's progress bar was ever on the page (a small model loads in well under a second). */
async function recordProgressBars(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid^="user-model-progress-"]')) if (!seen.includes(el.getAttribute('data-testid')!)) seen.push(el.getAttribute('data-testid')!);
    }).observe(document, { childList: true, subtree: true });
  });
}

test('a run with userModel=user-lm: the LM user loads (progress, name, size), writes the replies, and run.json and the link record it', async ({ page }) => {
  test.setTimeout(180_000);
  const problems = watchConsole(page);
  const outside = watchRequests(page);
  await recordProgressBars(page);
  const config = configFromPresets(['smoke'], { steps: 1, sftSteps: 2, evalEpisodes: 2, userModel: 'user-lm' });
  await page.goto(`/#${encodeShare(config)}`);
  await expect(page.getByTestId('share-error')).toHaveCount(0);
  // The link's setup round-trips: the control shows the shipped LM user, the address bar keeps it.
  await expect(page.getByTestId('user-model-userModel')).toHaveValue('shipped');
  await expect(page.getByTestId('user-model-evalUserModel')).toHaveValue('same');
  expect(page.url()).toContain(encodeShare(config));
  // Chosen, the shipped model loads at once: a progress bar, then its name and size.
  await expect(page.getByTestId('user-model-loaded-userModel')).toContainText(/^user-lm: \d+ KB of weights, on wasm$/, { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen)).toContain('user-model-progress-userModel');

  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('start').click();
  await waitForPhase(page, /complete/, 150_000);
  await page.getByText(/^Log \(\d+\)$/).click();
  await expect(page.locator('details pre')).toContainText(/training users' replies are written by the LM user user-lm \(\d+ KB of weights\)/);
  await expect(page.locator('details pre')).toContainText(/evaluation users' replies are written by the LM user user-lm/);

  const download = page.waitForEvent('download');
  await page.getByTestId('export-run').click();
  const record = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as RunRecord;
  expect(record.config.userModel).toBe('user-lm');
  expect(record.config.evalUserModel).toBe('');
  expect(record.status).toBe('complete');
  expect(record.share_url).toContain(encodeShare(config).split('&')[1]);

  expect(outside, `requests that left the page's origin:\n${outside.join('\n')}`).toEqual([]);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('play the agent: two moves, typed and picked; the LM user answers each beside the scripted user', async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const outside = watchRequests(page);
  await page.goto('/');
  await page.getByTestId('play-mode-agent').click();
  await expect(page.getByRole('radio', { name: 'you play the agent' })).toBeChecked();
  await page.getByTestId('play-agent-task').selectOption('intent');
  await expect(page.getByTestId('play-agent-user')).toHaveValue('user-lm');
  await page.getByTestId('play-agent-start').click();
  await expect(page.getByTestId('play-agent-request')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('play-agent-loaded')).toContainText(/^user-lm: \d+ KB of weights\.$/);

  // A word outside the agent's vocabulary is refused with the reason, and nothing is played.
  await page.getByTestId('play-agent-input').fill('ask zyzzyva ?');
  await page.getByTestId('play-agent-send').click();
  await expect(page.getByTestId('play-agent-error')).toContainText('"zyzzyva"');
  await expect(page.getByTestId('play-agent-move')).toHaveCount(0);

  // ask-all only asks on these turns, so both replies are the LM's.
  const askAll = page.getByTestId('play-agent-suggestion').filter({ hasText: /ask-all.*:/ });
  const typed = ((await askAll.textContent()) ?? '').replace(/^[^:]*:\s*/, '');
  await page.getByTestId('play-agent-input').fill(typed);
  await page.getByTestId('play-agent-send').click();
  await expect(page.getByTestId('play-agent-move')).toHaveCount(1);
  await expect(page.getByTestId('play-agent-move').first()).toContainText(typed);
  await askAll.click();
  await expect(page.getByTestId('play-agent-move')).toHaveCount(2);
  // Each reply is the LM user's, with the scripted cooperative user's words beside it.
  await expect(page.getByTestId('play-agent-reply')).toHaveCount(2);
  await expect(page.getByTestId('play-agent-scripted')).toHaveCount(2);
  for (const reply of await page.getByTestId('play-agent-reply').all()) await expect(reply).toContainText('LM user (user-lm)');
  await expect(page.getByTestId('play-agent-scripted').first()).toContainText('scripted cooperative user');
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.addStyleTag({ content: '.strip { position: static !important; }' });
    await page.getByTestId('play').screenshot({ path: 'docs/ui-play-user.png' });
  }
  expect(outside, `requests that left the page's origin:\n${outside.join('\n')}`).toEqual([]);
  expect(problems, problems.join('\n')).toEqual([]);
});

test('a Hub model offline is refused on its field with the loader\'s reason; a malformed value in a link keeps the link', async ({ page }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  const outside = watchRequests(page);
  await page.goto(`/#${encodeShare(configFromPresets(['demo'], { userModel: 'user-lm' }))}`);
  await expect(page.getByTestId('user-model-loaded-userModel')).toContainText('user-lm', { timeout: 60_000 });
  // Offline (the worker is running already): the loader refuses a Hub id before fetching anything.
  await page.context().setOffline(true);
  await page.getByTestId('user-model-evalUserModel').selectOption('hub');
  await page.getByTestId('user-model-hub-evalUserModel').fill('someone/some-chat-model');
  await page.getByTestId('user-model-load-evalUserModel').click();
  await expect(page.getByTestId('user-model-error-evalUserModel')).toContainText('userModel someone/some-chat-model: a Hub model needs the internet and the Hugging Face Hub cannot be reached from here');
  await expect(page.getByTestId('start')).toBeEnabled();
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.addStyleTag({ content: '.strip { position: static !important; }' });
    // The personas, the two user simulator controls and their caption.
    await page.getByTestId('personas').evaluate((el) => (el.scrollIntoView({ block: 'start' }), window.scrollBy(0, -24)));
    const top = (await page.getByTestId('personas').boundingBox())!;
    const bottom = (await page.getByTestId('user-simulator-caption').boundingBox())!;
    await page.screenshot({ path: 'docs/ui-user-lm.png', clip: { x: top.x - 12, y: top.y - 12, width: top.width + 24, height: bottom.y + bottom.height - top.y + 24 } });
  }
  await page.context().setOffline(false);

  // A value the schema refuses: the link's setup stays in the form (the seed too), the field says why, the address bar keeps the link.
  const payload = lzPayload({ ...diffFromDefaults(configFromPresets(['smoke'], { seed: 77 })), userModel: 'not a model!' });
  await page.goto(`/#v=1&c=${payload}`);
  await expect(page.getByTestId('share-error')).toContainText('the form shows the link as it is');
  await expect(page.getByTestId('share-error')).toContainText('userModel = "not a model!"');
  await expect(page.locator('#seed')).toHaveValue('77');
  await expect(page.getByTestId('user-model-userModel')).toHaveValue('hub');
  await expect(page.getByTestId('user-model-hub-userModel')).toHaveValue('not a model!');
  await expect(page.getByTestId('user-model-error-userModel')).toContainText('a Hub model id (owner/name)');
  await expect(page.getByTestId('start')).toBeDisabled();
  expect(page.url()).toContain(`#v=1&c=${payload}`);
  // Fixed in the form, the setup is valid and the address bar follows it.
  await page.getByTestId('user-model-userModel').selectOption('shipped');
  await expect(page.getByTestId('start')).toBeEnabled();
  await expect.poll(() => page.url()).not.toContain(payload);
  expect(outside, `requests that left the page's origin:\n${outside.join('\n')}`).toEqual([]);
  // The browser may ask for the favicon while the context is offline: that failure is the test's doing.
  const real = problems.filter((p) => !/ERR_INTERNET_DISCONNECTED \(http:\/\/localhost:\d+\/favicon\.svg\)/.test(p));
  expect(real, real.join('\n')).toEqual([]);
});
