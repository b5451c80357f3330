import { describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { adapterName, BACKEND_NAMES, chooseFastestBackend, describeProbe, environmentOf, fastGpuOffer, fallbackOrder, isBackendName, isSoftwareAdapter, probeUnit, reportOf, screenUnit, type BackendName, type BackendProbe, type BackendReport } from './backend';
import { environmentSchema } from '../run';
import { Policy } from '../policy/model';
import { Rng } from '../random';

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

describe('backend names', () => {
  it('are one list; a preference falls back along it; anything else is not a backend', () => {
    expect(BACKEND_NAMES).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(fallbackOrder('webgpu')).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(fallbackOrder('wasm')).toEqual(['wasm', 'cpu']);
    expect(fallbackOrder('cpu')).toEqual(['cpu']);
    for (const name of BACKEND_NAMES) expect(isBackendName(name)).toBe(true);
    for (const other of ['unknown', 'auto', 'WASM', '', null, undefined, 3]) expect(isBackendName(other)).toBe(false);
  });
});

describe('backend report <-> run record environment', () => {
  const host = { runtime: 'node 22.0.0', startedAt: '2025-01-02T03:04:05.000Z' };
  const reports: BackendReport[] = [
    { backend: 'wasm', adapter: null, software: false, fallbackReason: 'webgpu: no adapter', versions: { '@tensorflow/tfjs': '4.22.0' }, probe: null, threads: 4 },
    {
      backend: 'webgpu',
      adapter: 'google / swiftshader (software adapter: runs on the CPU)',
      software: true,
      fallbackReason: null,
      versions: {},
      probe: [
        { backend: 'wasm', ms: 41, warmupMs: 60, units: 5, screenMs: 1.5, note: null },
        { backend: 'webgpu', ms: null, warmupMs: null, units: 0, screenMs: 30, note: 'screened out' },
      ],
      threads: null,
    },
  ];

  it('round-trips every field, through a valid environment', () => {
    for (const report of reports) {
      const environment = environmentOf(report, host);
      expect(environmentSchema.parse(environment)).toEqual(environment);
      expect(environment).toMatchObject({ backend: report.backend, runtime: host.runtime, started_at: host.startedAt, wasm_threads: report.threads, backend_probe: report.probe, adapter_software: report.software, fallback_reason: report.fallbackReason, versions: report.versions });
      expect(reportOf(environment)).toEqual(report);
      expect(environmentOf(reportOf(environment), host)).toEqual(environment);
    }
  });

  it('reads an older record (no software flag, probe or threads) with their defaults, and a run without a backend as none', () => {
    const old = { backend: 'cpu', fallback_reason: null, adapter: null, runtime: 'node 20', versions: { '@tensorflow/tfjs': '4.20.0' }, started_at: '' };
    expect(reportOf(old)).toEqual({ backend: 'cpu', adapter: null, software: false, fallbackReason: null, versions: { '@tensorflow/tfjs': '4.20.0' }, probe: null, threads: null });
    const none = environmentOf(null, host);
    expect(none).toEqual({ backend: 'unknown', fallback_reason: null, adapter: null, adapter_software: false, backend_probe: null, wasm_threads: null, runtime: host.runtime, versions: {}, started_at: host.startedAt });
    expect(reportOf(none)).toBeNull();
  });
});

describe('chooseFastestBackend', () => {
  /** A fake clock: each unit on a backend costs its listed ms; a screening op `screen` ms (default a tenth). */
  function fakeTiming(cost: Record<string, number>, screen: Record<string, number> = {}) {
    let t = 0;
    return {
      now: () => t,
      unit: async () => {
        t += cost[tf.getBackend()];
      },
      screen: async () => {
        const name = tf.getBackend();
        t += screen[name] ?? cost[name] / 10;
      },
    };
  }

  it('picks the fastest backend that starts, whatever the order, and records every figure', async () => {
    // Close on the screen, so both are measured; cpu wins the whole unit.
    const timing = fakeTiming({ cpu: 5, wasm: 40 }, { wasm: 1, cpu: 2 });
    const choice = await chooseFastestBackend(['wasm', 'cpu'], load, shape, { ...timing, budgetMs: 100 });
    expect(choice.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(choice.fallbackReason).toBeNull();
    expect(choice.probe!.map((p) => [p.backend, p.ms])).toEqual([
      ['wasm', 40],
      ['cpu', 5],
    ]);
    expect(choice.probe![0].units).toBeGreaterThanOrEqual(1);
    expect(choice.probe!.map((p) => p.screenMs)).toEqual([1, 2]);
    expect(describeProbe(choice.probe!)).toBe('wasm 40 ms · cpu 5.0 ms');
  });

  it('screens out a backend over 4x the best screen, before any probe unit', async () => {
    let units = 0;
    const timing = fakeTiming({ wasm: 10, cpu: 100 });
    const choice = await chooseFastestBackend(['cpu', 'wasm'], load, shape, { ...timing, unit: async (p, r) => (units++, timing.unit()), budgetMs: 25 });
    expect(choice.backend).toBe('wasm');
    const cpu = choice.probe!.find((p) => p.backend === 'cpu')!;
    expect(cpu).toMatchObject({ ms: null, warmupMs: null, units: 0, screenMs: 10 });
    expect(cpu.note).toMatch(/screened out: 10 ms per MLP block, over 4x the best \(1\.0 ms\)/);
    // wasm only: one warm-up unit, then units until the 25 ms budget is spent.
    expect(units).toBe(1 + 3);
  });

  it('does not measure further a backend whose warm-up is over 4x the best, and reports a backend that fails to start', async () => {
    // Close on the screen (1 vs 2 ms), far apart on the whole unit.
    const timing = fakeTiming({ wasm: 10, cpu: 100 }, { wasm: 1, cpu: 2 });
    const failing = async (name: BackendName) => {
      if (name === 'webgpu') throw new Error('no adapter here');
    };
    const choice = await chooseFastestBackend(['wasm', 'webgpu', 'cpu'], failing, shape, { ...timing, budgetMs: 50 });
    expect(choice.backend).toBe('wasm');
    const cpu = choice.probe!.find((p) => p.backend === 'cpu')!;
    expect(cpu.ms).toBeNull();
    expect(cpu.warmupMs).toBe(100);
    expect(cpu.note).toMatch(/over 4x wasm/);
    const webgpu = choice.probe!.find((p) => p.backend === 'webgpu')!;
    expect(webgpu.screenMs).toBeNull();
    expect(webgpu.note).toMatch(/^did not start: (navigator\.gpu is missing|no adapter here)/);
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
  it('screenUnit leaks no tensor', async () => {
    await tf.setBackend('cpu');
    await screenUnit(shape);
    const before = tf.memory().numTensors;
    await screenUnit(shape);
    expect(tf.memory().numTensors).toBe(before);
  });

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

describe('the probe at a larger batch', () => {
  /** A stand-in "hardware GPU": a backend named webgpu made of the cpu kernels, behind a stubbed navigator.gpu. */
  async function withFakeGpu<T>(info: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    await tf.setBackend('cpu');
    const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
    tf.registerBackend('webgpu', () => new Cpu(), -1);
    for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'webgpu' });
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ info }) } });
    try {
      return await run();
    } finally {
      vi.unstubAllGlobals();
      await tf.setBackend('cpu');
      for (const k of tf.getKernelsForBackend('webgpu')) tf.unregisterKernel(k.kernelName, 'webgpu');
      tf.removeBackend('webgpu');
    }
  }
  /** Costs per unit: wasm grows with the rows, the "GPU" does not (it is parallel). */
  function timing(wasmPerRow: number, gpuMs: number, rowsSeen: [string, number][]) {
    let t = 0;
    return {
      now: () => t,
      unit: async (_p: Policy, rows: number) => {
        rowsSeen.push([tf.getBackend(), rows]);
        t += tf.getBackend() === 'webgpu' ? gpuMs : wasmPerRow * rows;
      },
      screen: async () => {
        t += 1;
      },
      budgetMs: 10,
      maxUnits: 3,
    };
  }

  it('times a hardware GPU and wasm at the larger rows too, and offers the larger preset when the GPU wins there', async () => {
    const seen: [string, number][] = [];
    let active = '';
    const choice = await withFakeGpu({ vendor: 'nvidia', architecture: 'ada' }, async () => {
      const c = await chooseFastestBackend(['webgpu', 'wasm'], load, { ...shape, largeRows: 48 }, timing(1, 10, seen));
      active = tf.getBackend();
      return c;
    });
    const gpu = choice.probe!.find((p) => p.backend === 'webgpu')!;
    const wasm = choice.probe!.find((p) => p.backend === 'wasm')!;
    expect(gpu).toMatchObject({ adapter: 'nvidia / ada', software: false, ms: 10, large: { rows: 48, ms: 10, warmupMs: 10, note: null } });
    expect(wasm).toMatchObject({ ms: 6, large: { rows: 48, ms: 48, warmupMs: null, note: null } });
    expect(wasm.large!.units).toBeGreaterThanOrEqual(1);
    expect(seen.filter(([, rows]) => rows === 48).map(([b]) => b)).toContain('wasm');
    // The winner at the run's own rows stays the active backend (wasm: 6 vs 10 ms).
    expect(choice.backend).toBe('wasm');
    expect(active).toBe('wasm');
    expect(environmentSchema.parse(environmentOf({ ...choice, versions: {}, threads: null }, { runtime: 'test', startedAt: '' })).backend_probe).toEqual(choice.probe);
    expect(describeProbe(choice.probe!)).toBe('webgpu 10 ms (10 ms at 48 rows) · wasm 6.0 ms (48 ms at 48 rows)');
    const offer = fastGpuOffer(choice.probe, { preset: 'demo-gpu', rows: 48, baseRows: shape.rows })!;
    expect(offer).toMatchObject({ preset: 'demo-gpu', gpuMs: 10, wasmMs: 48, wasmBaseMs: 6, speedup: 4.8, aboutAsFast: false });
  });

  it('adds nothing on a software adapter, nor without largeRows', async () => {
    const seen: [string, number][] = [];
    const soft = await withFakeGpu({ vendor: 'google', architecture: 'swiftshader' }, () => chooseFastestBackend(['webgpu', 'wasm'], load, { ...shape, largeRows: 48 }, timing(1, 10, seen)));
    expect(soft.probe!.find((p) => p.backend === 'webgpu')).toMatchObject({ software: true });
    expect(soft.probe!.every((p) => p.large === undefined)).toBe(true);
    const none = await withFakeGpu({ vendor: 'nvidia', architecture: 'ada' }, () => chooseFastestBackend(['webgpu', 'wasm'], load, shape, timing(1, 10, seen)));
    expect(none.probe!.every((p) => p.large === undefined)).toBe(true);
    expect(seen.every(([, rows]) => rows === shape.rows)).toBe(true);
  });
});

describe('fastGpuOffer', () => {
  const offer = { preset: 'demo-gpu', rows: 320, baseRows: 40 };
  const gpu = (ms: number | null, software: boolean | 'unknown' = false): BackendProbe => ({ backend: 'webgpu', ms: 9, warmupMs: 900, units: 5, screenMs: 0.2, note: null, adapter: 'nvidia / ada', ...(software === 'unknown' ? {} : { software }), large: { rows: 320, ms, warmupMs: 700, units: 5, note: null } });
  const wasm = (ms: number | null, largeMs: number | null): BackendProbe => ({ backend: 'wasm', ms, warmupMs: 50, units: 5, screenMs: 1, note: ms === null ? 'screened out' : null, large: { rows: 320, ms: largeMs, warmupMs: 400, units: 2, note: null } });

  it('offers the larger batch when a hardware GPU beats wasm there, saying by how much', () => {
    const near = fastGpuOffer([gpu(40), wasm(36, 300)], offer)!;
    expect(near).toMatchObject({ preset: 'demo-gpu', rows: 320, baseRows: 40, gpuMs: 40, wasmMs: 300, wasmBaseMs: 36, aboutAsFast: true });
    expect(near.speedup).toBeCloseTo(7.5, 10);
    expect(near.text).toBe('This GPU (nvidia / ada) runs the backend probe at 320 dialogues per step in 40 ms, about as fast as wasm at 40 (36 ms) and 7.5x faster than wasm at 320 (300 ms): run the demo at 320 dialogues per step (preset demo-gpu).');
    const faster = fastGpuOffer([wasm(20, 300), gpu(150)], offer)!;
    expect(faster.aboutAsFast).toBe(false);
    expect(faster.text).toBe('This GPU (nvidia / ada) runs the backend probe at 320 dialogues per step 2.0x faster than wasm (150 ms vs 300 ms; wasm at 40: 20 ms): run the demo at 320 dialogues per step (preset demo-gpu).');
    // wasm screened out at the run's rows (the GPU far ahead): still timed at 320, so still offered.
    expect(fastGpuOffer([gpu(10), wasm(null, 300)], offer)).toMatchObject({ wasmBaseMs: null, aboutAsFast: false });
  });

  it('offers nothing when the GPU is slower or equal, software, of unknown kind, or not measured at those rows', () => {
    expect(fastGpuOffer([gpu(310), wasm(36, 300)], offer)).toBeNull();
    expect(fastGpuOffer([gpu(300), wasm(36, 300)], offer)).toBeNull();
    expect(fastGpuOffer([gpu(40, true), wasm(36, 300)], offer)).toBeNull();
    expect(fastGpuOffer([gpu(40, 'unknown'), wasm(36, 300)], offer)).toBeNull(); // an older record: not known to be hardware
    expect(fastGpuOffer([gpu(null), wasm(36, 300)], offer)).toBeNull();
    expect(fastGpuOffer([gpu(40), wasm(36, null)], offer)).toBeNull();
    expect(fastGpuOffer([gpu(40), wasm(36, 300)], { ...offer, rows: 640 })).toBeNull();
    expect(fastGpuOffer([gpu(40), wasm(36, 300)], { ...offer, baseRows: 320 })).toBeNull();
    expect(fastGpuOffer([gpu(40)], offer)).toBeNull();
  });

  it('offers nothing without a probe (an explicit backend, or a probe that failed)', () => {
    expect(fastGpuOffer(null, offer)).toBeNull();
    expect(fastGpuOffer(undefined, offer)).toBeNull();
    expect(fastGpuOffer([{ backend: 'webgpu', ms: null, warmupMs: null, units: 0, screenMs: null, note: 'did not start: no adapter' }, wasm(36, null)], offer)).toBeNull();
  });
});
