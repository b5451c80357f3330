/**
 * The page imports a checkpoint folder, trains from it, and exports it back as a Hugging Face
 * folder (zip). Runs on the wasm backend: the check is about files and weights, not the GPU.
 */
import { test, expect, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromPresets, checkpointToFiles, policyFromFiles, type CheckpointFiles, buildOnnxModel, Policy, Rng, encodeShare } from '../src/engine';

const words = resolve(import.meta.dirname, '../models/infopo-words');

function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`[console.error] ${m.text()}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`[worker console.error] ${m.text()}`)));
  page.on('pageerror', (e) => problems.push(`[pageerror] ${e.message}`));
  return problems;
}

/** A small random-weight checkpoint in the smoke preset's shape, as a folder's files. */
async function smallCheckpoint(): Promise<CheckpointFiles> {
  await tf.setBackend('cpu');
  const tokenizer = { 'tokenizer.json': readFileSync(resolve(words, 'tokenizer.json')), 'tokenizer_config.json': readFileSync(resolve(words, 'tokenizer_config.json')) };
  const vocab = Object.keys(JSON.parse(readFileSync(resolve(words, 'tokenizer.json'), 'utf8')).model.vocab).length;
  const policy = new Policy({ vocabSize: vocab, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 }, new Rng(2026));
  const files = await checkpointToFiles(policy, tokenizer, { name: 'e2e-small', madeBy: 'e2e/checkpoint.spec.ts' });
  policy.dispose();
  return files;
}

/** The ONNX bytes Node builds for a checkpoint folder's weights. */
function onnxOf(files: CheckpointFiles): Uint8Array {
  const { policy } = policyFromFiles(files);
  const bytes = buildOnnxModel(policy.shape, new Map(policy.names().map((n) => [n, policy.get(n).dataSync() as Float32Array])));
  policy.dispose();
  return bytes;
}

async function runToEnd(page: Page): Promise<void> {
  await page.getByTestId('start').click();
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', /complete|failed/, { timeout: 120_000 });
  const error = page.getByTestId('run-error');
  if (await error.count()) throw new Error(`The run failed: ${await error.textContent()}`);
  await expect(page.getByTestId('phase')).toHaveAttribute('data-phase', 'complete');
}

test('imports a checkpoint folder, trains from it, exports it as a Hugging Face zip', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  const files = await smallCheckpoint();
  // Zero steps and no evaluation first: the exported weights must be the imported ones, byte for byte.
  const config = configFromPresets(['smoke'], { steps: 0, evalEpisodes: 0 });
  await page.goto(`/?${encodeShare(config)}`);
  await page.getByTestId('backend-preference').selectOption('wasm');

  // A broken pick is refused with a reason, and the form is left alone.
  await page.getByTestId('import-checkpoint-files').setInputFiles([{ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(files['config.json']) }]);
  await expect(page.getByTestId('checkpoint-error')).toContainText('model.safetensors missing');

  await page.getByTestId('import-checkpoint-files').setInputFiles(Object.entries(files).map(([name, bytes]) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) })));
  await expect(page.getByTestId('checkpoint-info')).toContainText('Hugging Face layout, 1 layers x 16, 2 heads');
  await expect(page.getByTestId('checkpoint-error')).toHaveCount(0);
  await runToEnd(page);
  await expect(page.locator('body')).toContainText('loaded the checkpoint imported (Hugging Face layout)');

  const download = page.waitForEvent('download');
  await page.getByTestId('export-model').click();
  const zipPath = testInfo.outputPath('export.zip');
  // Method, task and seed once each in the name.
  expect((await download).suggestedFilename()).toBe('infopo-20q-seed1.zip');
  await (await download).saveAs(zipPath);
  const entries = unzipSync(readFileSync(zipPath));
  const names = Object.keys(entries).map((p) => p.split('/').slice(1).join('/')).sort();
  expect(names).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  // The page's ONNX export is the same builder's output for the same weights.
  const onnx = Object.entries(entries).find(([p]) => p.endsWith('onnx/model.onnx'))![1];
  expect(Buffer.from(onnx).equals(Buffer.from(onnxOf(files)))).toBe(true);
  const exported = Object.entries(entries).find(([p]) => p.endsWith('model.safetensors'))![1];
  expect(Buffer.from(exported).equals(Buffer.from(files['model.safetensors']))).toBe(true);
  const card = new TextDecoder().decode(Object.entries(entries).find(([p]) => p.endsWith('README.md'))![1]);
  expect(card).toContain('InfoPO Sandbox page: http://localhost');

  // Continue training from it: one RL step.
  await page.goto(`/?${encodeShare(configFromPresets(['smoke'], { steps: 1, evalEpisodes: 0, init: 'imported', sftSteps: 0 }))}`);
  await page.getByTestId('backend-preference').selectOption('wasm');
  await page.getByTestId('import-checkpoint-files').setInputFiles({ name: 'e2e-small.zip', mimeType: 'application/zip', buffer: Buffer.from(readFileSync(zipPath)) });
  await expect(page.getByTestId('checkpoint-info')).toContainText('Checkpoint infopo-20q-seed1 (Hugging Face layout');
  await runToEnd(page);
  await expect(page.locator('[data-testid="step-row"][data-step="1"]')).toHaveCount(1);
  const shot = testInfo.outputPath('checkpoint-imported.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('checkpoint-imported.png', { path: shot, contentType: 'image/png' });
  expect(problems).toEqual([]);
});

test('a run with init = pretrained fetches the shipped Hugging Face checkpoint from models/', async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await page.goto(`/?${encodeShare(configFromPresets(['quick'], { steps: 0, evalEpisodes: 0 }))}`);
  await page.getByTestId('backend-preference').selectOption('wasm');
  await runToEnd(page);
  await expect(page.locator('body')).toContainText('loaded the checkpoint models/infopo-warm (Hugging Face layout)');
  expect(problems).toEqual([]);
});
