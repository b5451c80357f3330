/**
 * The WGSL divergence kernel in Node, on Dawn's WebGPU (the `webgpu` package): the same parity
 * suite as e2e/kernels.spec.ts runs in Chromium. Needs the Vulkan loader and a driver; on a machine
 * without a GPU the test points Vulkan at SwiftShader's driver (Debian's chromium ships it), which
 * `npm run test:unit` gets from scripts/ensure-browser.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { divergenceParity, hasFusedDivergenceKernel, PARITY_CASES, PARITY_TOLERANCE, type BackendChoice } from '../engine';
import { nodeBackend } from './node-env';
import { missingVulkanHint, SWIFTSHADER_ICD } from './node-webgpu';

describe('missingVulkanHint', () => {
  it('says in one line what to install, naming SwiftShader when it is there', () => {
    const withSoftware = missingVulkanHint('linux', true);
    expect(withSoftware).toContain('apt-get install libvulkan1');
    expect(withSoftware).toContain(`VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`);
    expect(withSoftware).not.toContain('\n');
    expect(missingVulkanHint('linux', false)).toContain('apt-get install chromium');
    expect(missingVulkanHint('darwin', false)).toContain('Metal');
  });
});

describe('webgpu in Node (Dawn)', () => {
  let choice: BackendChoice;
  beforeAll(async () => {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    choice = await nodeBackend('webgpu');
  }, 120_000);
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('starts the webgpu backend and names its adapter', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(choice.backend).toBe('webgpu');
    expect(choice.adapter).toMatch(/\S+ \/ \S+/);
    if (process.env.VK_ICD_FILENAMES === SWIFTSHADER_ICD) {
      expect(choice.software).toBe(true);
      expect(choice.adapter).toContain('software adapter');
    }
    expect(hasFusedDivergenceKernel()).toBe(true);
  });

  for (const spec of PARITY_CASES)
    it(`fused kernel matches the float64 reference: ${spec.name}`, async () => {
      const r = await divergenceParity(spec, 'kernel');
      expect(r.leakedTensors).toBe(0);
      expect(r.minKl, spec.name).toBeGreaterThanOrEqual(-1e-6);
      for (const [what, stats] of [['logRatio', r.logRatio], ['kl', r.kl]] as const) {
        const msg = `${spec.name} ${what}: ${JSON.stringify(stats)}`;
        expect(stats.nanCount, msg).toBe(0);
        expect(stats.nonFiniteMismatches, msg).toBe(0);
        expect(stats.maxRel, msg).toBeLessThanOrEqual(PARITY_TOLERANCE);
        expect(stats.firstFailure, msg).toBe(-1);
      }
    }, 120_000);
});
