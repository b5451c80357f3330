/**
 * WebGPU in Node and in the page give the same fingerprint on the same adapter: a short run made
 * by `npm run experiment -- --backend webgpu` on Dawn in Node (the `webgpu` package), its share
 * link opened in Chromium, the run repeated on the page's WebGPU. Here both use SwiftShader (Node
 * through SwiftShader's Vulkan driver from Debian's chromium package, the page through Chromium's
 * own), so the test says that the same WGSL kernels, the same engine code and the same float order
 * run in both hosts. On a real GPU the two should agree as well on the same driver (not measured).
 */
import { test, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { attachScreenshot, waitForPhase, watchConsole } from './watch';
import { configFromPresets, encodeShare } from '../src/engine';

const ROOT = resolve(import.meta.dirname, '..');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

test('a webgpu run from Node reproduces in the page: same fingerprint on the same adapter', async ({ page, baseURL }, testInfo) => {
  test.skip(!process.env.VK_ICD_FILENAMES && !existsSync(SWIFTSHADER_ICD), 'no Vulkan driver for Dawn in Node (docs/kernels.md)');
  test.setTimeout(420_000);
  const dir = mkdtempSync(join(tmpdir(), 'infopo-webgpu-node-'));
  try {
    // Two RL steps, so the second step's rollouts come from weights the first update wrote. The
    // smoke model (d 16, 1 layer) runs every kernel the demo's does (fused dense, LayerNorm,
    // attention, the divergence) at a fraction of its cost on a software adapter.
    const config = configFromPresets(['smoke'], { steps: 2, sftSteps: 2, evalEpisodes: 2 });
    const env = { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD };
    const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/experiment.ts'), '--quiet', '--url', encodeShare(config), '--backend', 'webgpu', '--out', dir, '--page-url', `${baseURL}/`], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env });
    expect(cli.status, cli.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { share_url: string; fingerprint: string; environment: { backend: string; webgpu_adapter?: string } };
    expect(record.environment.backend).toBe('webgpu');
    expect(record.share_url).toContain(`&b=webgpu&f=${record.fingerprint}`);

    const problems = watchConsole(page);
    await page.goto(record.share_url);
    await expect(page.getByTestId('backend-preference')).toHaveValue('webgpu');
    await page.getByTestId('start').click();
    await waitForPhase(page, /complete/, 300_000);
    await expect(page.getByTestId('backend')).toHaveText('webgpu');
    await expect(page.getByTestId('repro-verdict')).toHaveAttribute('data-verdict', 'reproduced');
    await attachScreenshot(page, testInfo, 'webgpu-node-reproduced.png');
    expect(problems, problems.join('\n')).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
