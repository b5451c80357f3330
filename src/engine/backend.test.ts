import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { adapterName, chooseFastestBackend, describeProbe, isSoftwareAdapter, probeUnit, type BackendName } from './backend';
import { Policy } from './policy/model';
import { Rng } from './random';

const shape = { vocabSize: 40, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 64, rows: 6 };
const load = async () => {};

describe('software adapters', () => {
  it('names SwiftShader and fallback adapters as software', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere' })).toBe(false);
    expect(isSoftwareAdapter(undefined)).toBe(false);
    expect(adapterName({ vendor: 'google', architecture: 'swiftshader' })).toBe('google / swiftshader (software adapter: runs on the CPU)');
    expect(adapterName({ vendor: 'nvidia', architecture: 'ampere' })).toBe('nvidia / ampere');
  });
});

describe('chooseFastestBackend', () => {
  /** A fake clock: each unit on a backend costs its listed ms (the first one `warmup` ms more). */
  function fakeTiming(cost: Record<string, number>, warmup = 0) {
    let t = 0;
    const seen = new Set<string>();
    return {
      now: () => t,
      unit: async () => {
        const name = tf.getBackend();
        t += cost[name] + (seen.has(name) ? 0 : warmup);
        seen.add(name);
      },
    };
  }

  it('picks the fastest backend that starts, whatever the order, and records every figure', async () => {
    const timing = fakeTiming({ cpu: 5, wasm: 40 });
    const choice = await chooseFastestBackend(['wasm', 'cpu'], load, shape, { ...timing, budgetMs: 100 });
    expect(choice.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.fallbackReason).toBeNull();
    expect(choice.probe!.map((p) => [p.backend, p.ms])).toEqual([
      ['wasm', 40],
      ['cpu', 5],
    ]);
    expect(choice.probe![0].units).toBeGreaterThanOrEqual(1);
    expect(describeProbe(choice.probe!)).toBe('wasm 40 ms · cpu 5.0 ms');
  });

  it('does not measure further a backend whose warm-up is over 4x the best, and reports a backend that fails to start', async () => {
    const timing = fakeTiming({ wasm: 10, cpu: 100 });
    const failing = async (name: BackendName) => {
      if (name === 'webgpu') throw new Error('no adapter here');
    };
    const choice = await chooseFastestBackend(['wasm', 'webgpu', 'cpu'], failing, shape, { ...timing, budgetMs: 50 });
    expect(choice.backend).toBe('wasm');
    const cpu = choice.probe!.find((p) => p.backend === 'cpu')!;
    expect(cpu.ms).toBeNull();
    expect(cpu.warmupMs).toBe(100);
    expect(cpu.note).toMatch(/over 4x wasm/);
    expect(choice.probe!.find((p) => p.backend === 'webgpu')!.note).toMatch(/did not start: .*navigator\.gpu|no adapter/);
    expect(choice.fallbackReason).toMatch(/^webgpu: /);
  });

  it('fails with every reason when nothing can run', async () => {
    const broken = async () => {
      throw new Error('broken');
    };
    await expect(chooseFastestBackend(['wasm', 'cpu'], broken, shape, { budgetMs: 1 })).rejects.toThrow(/wasm: did not start: broken; cpu: did not start: broken/);
  });
});

describe('probeUnit', () => {
  it('runs on the real model shape and leaks no tensor (cpu and wasm)', async () => {
    for (const name of ['cpu', 'wasm']) {
      await tf.setBackend(name);
      await tf.ready();
      const policy = new Policy(shape, new Rng(1));
      await probeUnit(policy, shape.rows); // warm-up: kernels and constants
      const before = tf.memory().numTensors;
      await probeUnit(policy, shape.rows);
      expect(tf.memory().numTensors).toBe(before);
      policy.dispose();
    }
  });
});
