import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { configFromPresets, DEFAULT_CONFIG, PRESETS } from '../config';
import { checkResources, estimateResources, parameterCount, resourceLimit, WASM_HEAP_BYTES } from './resources';
import { Policy } from '../policy/model';
import { Rng } from '../random';
import { runExperiment } from '../experiment';
import { loadTokenizer } from '../text/tokenizer';
import { resolve } from 'node:path';

describe('resource estimate', () => {
  it('counts the policy\'s parameters exactly', async () => {
    await tf.setBackend('cpu');
    for (const shape of [{ dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96 }, { dModel: 64, nLayers: 3, nHeads: 4, maxContext: 192 }]) {
      const policy = new Policy({ ...shape, vocabSize: 123 }, new Rng(1));
      expect(parameterCount(shape, 123)).toBe(policy.parameterCount());
      policy.dispose();
    }
  });

  it('grows with width, depth, batch and context, and the KL reference', () => {
    const base = estimateResources(DEFAULT_CONFIG);
    expect(estimateResources({ ...DEFAULT_CONFIG, dModel: 128, nHeads: 4 }).totalBytes).toBeGreaterThan(base.totalBytes);
    expect(estimateResources({ ...DEFAULT_CONFIG, nLayers: 4 }).totalBytes).toBeGreaterThan(base.totalBytes);
    expect(estimateResources({ ...DEFAULT_CONFIG, groupSize: 10 }).activationBytes).toBeGreaterThan(base.activationBytes);
    expect(estimateResources({ ...DEFAULT_CONFIG, miniBatches: 4 }).activationBytes).toBeLessThan(base.activationBytes);
    expect(estimateResources({ ...DEFAULT_CONFIG, klCoef: 0.1 }).weightBytes).toBe(base.weightBytes * 1.25);
  });

  it('lets every preset run on a 4 GB device without a warning, but demo-gpu (8 GB)', () => {
    for (const name of Object.keys(PRESETS).filter((n) => n !== 'demo-gpu')) {
      const check = checkResources(configFromPresets([name]), { backend: 'auto', deviceMemoryGB: 4 });
      expect([name, check.level]).toEqual([name, 'ok']);
    }
    // 320 dialogues per step in 4 mini-batches of 80, bounded as if each filled maxContext: ~1.8 GB.
    expect(checkResources(configFromPresets(['demo-gpu']), { backend: 'auto', deviceMemoryGB: 8 }).level).toBe('ok');
    expect(checkResources(configFromPresets(['demo-gpu']), { backend: 'auto', deviceMemoryGB: 4 }).level).toBe('warn');
  });

  it('refuses the setups that ran out of memory, naming the reason', () => {
    // `--set dModel=1024 --set nLayers=24`: 302 M parameters; with gradients and AdamW state beyond wasm's heap.
    const big = configFromPresets([], { dModel: 1024, nLayers: 24 });
    const cli = checkResources(big, { backend: 'wasm', deviceMemoryGB: 64 });
    expect(cli.level).toBe('refuse');
    expect(cli.estimate.parameters).toBeGreaterThan(300e6);
    expect(cli.message).toMatch(/too large for this device.*303\.\d M parameters.*WebAssembly's 4 GiB heap/);
    // The link: the largest allowed sizes.
    const largest = configFromPresets([], { dModel: 1024, nLayers: 24, groupSize: 64, promptsPerStep: 512 });
    const page = checkResources(largest, { backend: 'webgpu', deviceMemoryGB: 8, maxBufferBytes: 2 ** 31 });
    expect(page.level).toBe('refuse');
  });

  it('warns well before the limit', () => {
    const limit = resourceLimit({ backend: 'cpu', deviceMemoryGB: 8 }).bytes;
    expect(limit).toBe(4 * 1024 ** 3);
    // Between half the limit and the limit: a warning.
    const mid = configFromPresets([], { dModel: 256, nLayers: 4, nHeads: 4 });
    const est = estimateResources(mid).totalBytes;
    expect(est).toBeGreaterThan(limit / 2);
    expect(est).toBeLessThan(limit);
    expect(checkResources(mid, { backend: 'cpu', deviceMemoryGB: 8 }).level).toBe('warn');
    expect(checkResources(mid, { backend: 'cpu', deviceMemoryGB: 8 }).message).toMatch(/needs up to .* of the limit/);
  });

  it('derives the limit from the device and the backend', () => {
    expect(resourceLimit({ backend: 'wasm', deviceMemoryGB: 32 }).bytes).toBe(WASM_HEAP_BYTES);
    expect(resourceLimit({ backend: 'webgpu', deviceMemoryGB: 32 }).bytes).toBe(16 * 1024 ** 3);
    expect(resourceLimit({ backend: 'webgpu', deviceMemoryGB: 2 }).bytes).toBe(1024 ** 3);
    expect(resourceLimit({ backend: 'cpu', deviceMemoryGB: null }).reason).toMatch(/assumed/);
    // WebGPU: the largest tensor must fit one buffer.
    const wide = configFromPresets([], { maxContext: 2048, promptsPerStep: 64, groupSize: 8 });
    const check = checkResources(wide, { backend: 'webgpu', deviceMemoryGB: 1024, maxBufferBytes: 256 * 1024 ** 2 });
    expect(check.level).toBe('refuse');
    expect(check.message).toMatch(/largest buffer/);
  });

  it('bounds the peak memory tf.profile measures over a whole run, without overshooting far', async () => {
    await tf.setBackend('cpu');
    const tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });
    const environment = { backend: 'cpu', fallback_reason: null, adapter: null, runtime: 'vitest', versions: {}, started_at: '' };
    for (const overrides of [{}, { dModel: 32, nHeads: 4, nLayers: 2, groupSize: 4, promptsPerStep: 4 }]) {
      const config = configFromPresets(['smoke'], { ...overrides, steps: 1, evalEpisodes: 1 });
      let dispose = () => {};
      const { peakBytes } = await tf.profile(async () => {
        const { trainer } = await runExperiment(config, tokenizer, environment);
        dispose = () => trainer.dispose();
        return tf.scalar(0);
      });
      dispose();
      const estimate = estimateResources(config, tokenizer.vocabSize).totalBytes;
      expect(estimate, JSON.stringify(overrides)).toBeGreaterThanOrEqual(peakBytes);
      expect(estimate, JSON.stringify(overrides)).toBeLessThan(3 * peakBytes);
    }
  });
});
