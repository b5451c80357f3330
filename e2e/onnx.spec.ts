/**
 * The exported ONNX model in the browser: onnxruntime-web (wasm, and WebGPU where the adapter
 * allows) must give the TensorFlow.js policy's logits within 1e-4, through the KV cache too.
 * The test page is served by the test itself (routes), from onnxruntime-web's own files.
 */
import { test, expect } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOnnxModel, Policy, Rng } from '../src/engine';

const ORT = resolve(import.meta.dirname, '../node_modules/onnxruntime-web/dist');

const PAGE = `<!doctype html><meta charset="utf-8"><title>onnx parity</title><script type="module">
  import * as ort from '/__ort/ort.all.min.mjs';
  ort.env.wasm.wasmPaths = '/__ort/';
  ort.env.wasm.numThreads = 1;
  window.runOnnx = async (ep, ids, split, layers, heads, headDim) => {
    const model = new Uint8Array(await (await fetch('/__ort-test/model.onnx')).arrayBuffer());
    const session = await ort.InferenceSession.create(model, { executionProviders: [ep] });
    const i64 = (xs) => BigInt64Array.from(xs.map(BigInt));
    const run = async (part, start, past) => {
      const feeds = {
        input_ids: new ort.Tensor('int64', i64(part), [1, part.length]),
        attention_mask: new ort.Tensor('int64', i64(Array(start + part.length).fill(1)), [1, start + part.length]),
        position_ids: new ort.Tensor('int64', i64(part.map((_, i) => start + i)), [1, part.length]),
      };
      for (let l = 0; l < layers; l++) for (const kv of ['key', 'value'])
        feeds['past_key_values.' + l + '.' + kv] = past ? past['present.' + l + '.' + kv] : new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
      return session.run(feeds);
    };
    const first = await run(ids.slice(0, split), 0, null);
    const second = await run(ids.slice(split), split, first);
    return [...first.logits.data, ...second.logits.data];
  };
  window.ortReady = true;
</script>`;

test('onnxruntime-web runs the exported model with the policy logits (wasm; webgpu where available)', async ({ page }) => {
  test.setTimeout(180_000);
  await tf.setBackend('cpu');
  const shape = { vocabSize: 80, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 32 };
  const policy = new Policy(shape, new Rng(31));
  const model = buildOnnxModel(shape, new Map(policy.names().map((n) => [n, policy.get(n).dataSync() as Float32Array])));
  const ids = [2, 4, 17, 33, 3, 5, 60, 61, 62, 3, 4, 9];
  const input = tf.tensor2d([ids], [1, ids.length], 'int32');
  const ref = Array.from(policy.forward(input).logits.dataSync());
  input.dispose();
  policy.dispose();

  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/__ort-test/page.html', (r) => r.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.route('**/__ort-test/model.onnx', (r) => r.fulfill({ contentType: 'application/octet-stream', body: Buffer.from(model) }));
  await page.route('**/__ort/*', (r) => {
    const name = new URL(r.request().url()).pathname.split('/').pop()!;
    if (!/^ort[\w.-]*\.(mjs|wasm)$/.test(name)) return r.fulfill({ status: 404 });
    return r.fulfill({ contentType: name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript', body: readFileSync(resolve(ORT, name)) });
  });
  await page.goto('/__ort-test/page.html');
  await page.waitForFunction(() => (window as unknown as { ortReady?: boolean }).ortReady === true);

  const maxDiff = (got: number[]) => got.reduce((m, g, i) => Math.max(m, Math.abs(g - ref[i])), 0);
  const run = (ep: string) =>
    page.evaluate(([ep, ids]) => (window as unknown as { runOnnx: (...a: unknown[]) => Promise<number[]> }).runOnnx(ep, ids, 5, 2, 2, 8), [ep, ids] as [string, number[]]);
  const wasm = await run('wasm');
  expect(wasm.length).toBe(ref.length);
  expect(maxDiff(wasm)).toBeLessThan(1e-4);

  const hasGpu = await page.evaluate(async () => !!(navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu && !!(await (navigator as Navigator & { gpu: { requestAdapter(): Promise<unknown> } }).gpu.requestAdapter()));
  if (hasGpu) {
    const gpu = await run('webgpu');
    expect(maxDiff(gpu)).toBeLessThan(1e-4);
  }
  test.info().annotations.push({ type: 'webgpu', description: hasGpu ? 'webgpu execution provider compared too' : 'no WebGPU adapter: wasm only' });
  expect(errors).toEqual([]);
});
