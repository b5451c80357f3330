/**
 * The lab page's wasm mode (production build, cross-origin isolated): `npm run bench` measures the
 * page's training with one thread against all cores through it, so it must really run the asked
 * number of threads, compute the right numbers, and train at a speed the machine can deliver.
 */
import { test, expect, type Page } from '@playwright/test';
import { PARITY_CASES, parameterCount, trainFlopsPerToken } from '../src/engine';
import type { InfopoLab, LabInfo, ParityResult, TrainBenchResult } from '../src/lab/lab';

const lab = (page: Page) => page.evaluate(() => (window as unknown as { infopoLab: InfopoLab }).infopoLab.ready);

async function open(page: Page, threads: number, problems: string[]): Promise<LabInfo> {
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`/src/lab/index.html?backend=wasm&threads=${threads}`);
  const status = page.locator('#status');
  await expect(status).toHaveAttribute('data-state', /ready|error/);
  expect(await status.getAttribute('data-state'), (await status.textContent()) ?? '').toBe('ready');
  return lab(page);
}

// benchTrain's model (lab.ts): vocab 256, batch 8 x context 128, nHeads 4.
const TRAIN = { dModel: 16, nLayers: 1, steps: 1 };
const CONTEXT = 128;

for (const threads of [1, 2]) {
  test(`lab page runs tfjs-wasm with ${threads} thread(s), its divergence matches the float64 reference, and it trains`, async ({ page }) => {
    const problems: string[] = [];
    const info = await open(page, threads, problems);
    expect(info).toMatchObject({ backend: 'wasm', threads, crossOriginIsolated: true });

    // The divergence on wasm takes the tfjs-ops path (the fused kernel is WebGPU's): every parity case within tolerance, no tensor left behind.
    const parity: ParityResult[] = await page.evaluate(async (specs) => {
      const l = (window as unknown as { infopoLab: InfopoLab }).infopoLab;
      const out = [];
      for (const spec of specs) out.push(await l.parity(spec, 'auto'));
      return out;
    }, PARITY_CASES);
    for (const r of parity) {
      expect({ name: r.name, backend: r.backend, kernelRuns: r.kernelRuns, leakedTensors: r.leakedTensors, pass: r.pass }).toEqual({ name: r.name, backend: 'wasm', kernelRuns: 0, leakedTensors: 0, pass: true });
      // KL is never negative; the log-ratio is finite on these cases.
      expect(r.minKl, r.name).toBeGreaterThanOrEqual(-1e-6);
      expect(Number.isFinite(r.maxAbsLogRatio), r.name).toBe(true);
    }

    const r: TrainBenchResult = await page.evaluate((o) => (window as unknown as { infopoLab: InfopoLab }).infopoLab.benchTrain(o), TRAIN);
    expect(r).toMatchObject({ backend: 'wasm', threads });
    // A CPU core in wasm does 0.1 to a few hundred GFLOP/s on a 1024^3 product; training cannot beat that bound.
    expect(r.matmulGflops).toBeGreaterThan(0.1);
    expect(r.matmulGflops).toBeLessThan(1000);
    const flopsPerToken = trainFlopsPerToken({ vocabSize: 256, dModel: TRAIN.dModel, nLayers: TRAIN.nLayers, nHeads: 4, maxContext: CONTEXT }, parameterCount({ dModel: TRAIN.dModel, nLayers: TRAIN.nLayers, maxContext: CONTEXT }, 256), CONTEXT);
    const trainGflops = (r.tokensPerS * flopsPerToken) / 1e9;
    expect(Number.isFinite(r.tokensPerS)).toBe(true);
    expect(trainGflops).toBeLessThan(r.matmulGflops);
    // A model this small is bound by per-op overhead, not arithmetic, but it still trains a batch of 1024 tokens in under 10 s.
    expect(r.tokensPerS).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });
}

test('lab page refuses an invalid thread count', async ({ page }) => {
  await page.goto('/src/lab/index.html?backend=wasm&threads=0');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('#status')).toContainText('positive integer');
});
