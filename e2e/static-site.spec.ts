/**
 * The build as a static site (docs/deploy.md): `dist` served under a sub-path by a plain file
 * server that sends no COOP/COEP headers, as GitHub Pages does. A run's share link, made by the
 * command line (`npm run experiment -- --url ... --page-url <the site>`), opens there: the service
 * worker isolates the page, the page loads its tokenizer and checkpoint from the sub-path, and the
 * run on wasm reproduces the command line's fingerprint.
 */
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { attachScreenshot, waitForPhase, watchConsole } from './watch';
import { configFromPresets, encodeShare } from '../src/engine';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const BASE = '/sandbox/infopo/';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.woff2': 'font/woff2' };

/** A plain static file server: files of dist under BASE, 404 elsewhere, no extra headers. */
function serve(): Promise<{ server: Server; origin: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (!path.startsWith(BASE)) return void res.writeHead(404).end();
    let file = join(DIST, path.slice(BASE.length));
    if (!file.startsWith(DIST) || !existsSync(file)) return void res.writeHead(404).end();
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(0, 'localhost', () => done({ server, origin: `http://localhost:${(server.address() as AddressInfo).port}`, requests })));
}

test('the build served under a sub-path by a plain file server opens a run link and reproduces the run', async ({ browser }, testInfo) => {
  test.setTimeout(300_000);
  const { server, origin, requests } = await serve();
  const dir = mkdtempSync(join(tmpdir(), 'infopo-static-'));
  try {
    // A run from a shipped checkpoint (so the page must fetch models/warm-intent-demo under the sub-path), small enough for seconds.
    const config = configFromPresets(['demo'], { steps: 2, promptsPerStep: 2, groupSize: 3, evalEpisodes: 2, traceEvery: 1, evalEvery: 0 });
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/experiment.ts'), '--quiet', '--url', encodeShare(config), '--out', dir, '--page-url', `${origin}${BASE}`], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { share_url: string; fingerprint: string };
    expect(record.share_url.startsWith(`${origin}${BASE}#v=1&c=`)).toBe(true);

    // A fresh context: no tour, no service worker yet.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => localStorage.setItem('infopo-tour-seen', '1'));
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(record.share_url);
    // The service worker adds COOP/COEP and the page reloads once through it.
    await expect.poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), { timeout: 30_000 }).toBe(true);
    await expect(page.getByTestId('share-error')).toHaveCount(0);
    await expect(page.getByTestId('backend-preference')).toHaveValue('wasm');
    await expect(page.locator('#seed')).toHaveValue(String(config.seed));
    await page.getByTestId('start').click();
    await waitForPhase(page, /complete/, 240_000);
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    // Threaded wasm here (isolated page), one thread in Node: the fingerprints still agree (docs/run-format.md).
    const threads = (await page.getByTestId('threads').textContent()) ?? '';
    testInfo.annotations.push({ type: 'wasm threads in the page', description: threads });
    console.log(`static site: wasm threads in the page: ${threads}`);
    await expect(page.getByTestId('repro-verdict')).toContainText('reproduced: same fingerprint');
    await expect(page.getByTestId('repro-verdict')).toHaveAttribute('data-verdict', 'reproduced');
    // Everything came from under the sub-path: the tokenizer and the checkpoint too.
    expect(requests.filter((p) => !p.startsWith(BASE))).toEqual([]);
    expect(requests).toContain(`${BASE}models/infopo-words/tokenizer.json`);
    expect(requests.some((p) => p.startsWith(`${BASE}models/warm-intent-demo/`))).toBe(true);
    // The address bar keeps the link (setup and proof) after the run.
    expect(page.url()).toContain(`&f=${record.fingerprint}`);
    // The LM user loads under the sub-path too: models/user-lm and onnxruntime-web's files from assets/.
    await page.getByTestId('user-model-userModel').selectOption('shipped');
    await expect(page.getByTestId('user-model-loaded-userModel')).toContainText(/^user-lm: \d+ KB of weights, on wasm$/, { timeout: 60_000 });
    expect(requests).toContain(`${BASE}models/user-lm/onnx/model.onnx`);
    expect(requests.some((p) => p.startsWith(`${BASE}assets/ort-wasm-simd-threaded.asyncify`) && p.endsWith('.wasm'))).toBe(true);
    await attachScreenshot(page, testInfo, 'static-site-reproduced.png');
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
