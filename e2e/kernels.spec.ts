/**
 * Parity of the fused WGSL divergence kernel against the float64 reference, in real Chromium on
 * the WebGPU adapter (SwiftShader here). Needs a build: `npx vite build && npx playwright test
 * e2e/kernels.spec.ts`. A WGSL error does not throw (the output silently stays zero), so besides
 * the numeric comparison every console error/warning or message mentioning WGSL/ShaderModule/error
 * fails the run.
 */
import { test, expect, type Browser, type Page } from '@playwright/test';
import type { InfopoLab, LabInfo, ParityResult } from '../src/lab/lab';
import { PARITY_CASES, PARITY_TOLERANCE, type DivergenceCaseSpec } from '../src/engine';

test.describe.configure({ mode: 'serial' });

let page: Page;
let info: LabInfo;
const consoleProblems: string[] = [];

function isProblem(type: string, text: string): boolean {
  return type === 'error' || type === 'warning' || /WGSL|ShaderModule|error/i.test(text);
}

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  page = await browser.newPage();
  page.on('console', (msg) => {
    if (isProblem(msg.type(), msg.text())) consoleProblems.push(`[console.${msg.type()}] ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => consoleProblems.push(`[pageerror] ${err.message}`));
  await page.goto('/src/lab/index.html');
  const status = page.locator('#status');
  await expect(status).toHaveAttribute('data-state', /ready|error/);
  const text = (await status.textContent()) ?? '';
  expect(await status.getAttribute('data-state'), text).toBe('ready');
  info = await page.evaluate(() => (window as unknown as { infopoLab: InfopoLab }).infopoLab.ready);
});

test.afterAll(async () => {
  await page?.close();
});

async function runParity(spec: DivergenceCaseSpec, impl: 'kernel' | 'ops' | 'auto' = 'kernel'): Promise<ParityResult> {
  return page.evaluate(
    ([s, i]) => (window as unknown as { infopoLab: InfopoLab }).infopoLab.parity(s, i),
    [spec, impl] as const,
  );
}

function describe(r: ParityResult): string {
  const f = (s: ParityResult['kl']) =>
    `maxAbs ${s.maxAbs.toExponential(2)} maxRel ${s.maxRel.toExponential(2)} NaN ${s.nanCount} nonFinite ${s.nonFiniteCount} (mismatched ${s.nonFiniteMismatches}) firstFailure ${s.firstFailure}`;
  return `${r.name} [${r.impl} on ${r.backend}, WG ${r.workgroupSize}, ${r.ms.toFixed(0)} ms] logRatio: ${f(r.logRatio)} | kl: ${f(r.kl)}`;
}

function expectParity(r: ParityResult): void {
  const msg = describe(r);
  for (const s of [r.logRatio, r.kl]) {
    expect(s.nanCount, msg).toBe(0);
    expect(s.nonFiniteMismatches, msg).toBe(0);
    expect(s.maxRel, msg).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(s.firstFailure, msg).toBe(-1);
  }
  expect(r.leakedTensors, msg).toBe(0);
}

test('the lab runs on the WebGPU backend with the fused kernel registered', async () => {
  expect(info.backend).toBe('webgpu');
  // Report the adapter so a run on another machine says what it measured.
  test.info().annotations.push({ type: 'adapter', description: JSON.stringify(info.adapter) });
  console.log(`adapter: ${JSON.stringify(info.adapter)}, maxComputeWorkgroupsPerDimension ${info.maxComputeWorkgroupsPerDimension}`);
});

for (const spec of PARITY_CASES) {
  test(`fused kernel parity: ${spec.name}`, async () => {
    const r = await runParity(spec, 'kernel');
    console.log(describe(r));
    // First: a shader that failed to compile shows up only here (and as zeros below).
    expect(consoleProblems).toEqual([]);
    // The fused kernel, not the ops fallback, produced these numbers.
    expect(r.backend).toBe('webgpu');
    expect(r.kernelRuns).toBe(1);
    expectParity(r);
    if (spec.kind === 'identical' || spec.kind === 'ties' || spec.kind === 'shifted') {
      expect(r.minKl).toBeGreaterThanOrEqual(-1e-6);
    }
  });
}

test("'auto' picks the fused kernel on webgpu", async () => {
  const r = await runParity(PARITY_CASES[3], 'auto');
  expect(r.kernelRuns).toBe(1);
  expectParity(r);
});

test('the tfjs-ops path on webgpu matches the reference too', async () => {
  for (const spec of PARITY_CASES.filter((s) => ['masked V=131', 'uniform V=1000', 'identical V=131'].includes(s.name))) {
    const r = await runParity(spec, 'ops');
    console.log(describe(r));
    expect(r.kernelRuns).toBe(0);
    expectParity(r);
  }
});

test('no WGSL / shader / console errors during the whole run', async () => {
  expect(consoleProblems).toEqual([]);
});
