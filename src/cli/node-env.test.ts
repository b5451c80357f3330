import { describe, expect, it } from 'vitest';
import { environmentSchema, reportOf } from '../engine';
import { nodeBackend, nodeEnvironment } from './node-env';

describe("Node's run environment", () => {
  it('carries what the page records: the wasm threads, the software flag, and the backend probe when there is one', async () => {
    const wasm = await nodeBackend('wasm');
    expect(wasm.threads).toBeGreaterThanOrEqual(1);
    const environment = nodeEnvironment(wasm);
    expect(environmentSchema.parse(environment)).toEqual(environment);
    expect(environment).toMatchObject({ backend: 'wasm', wasm_threads: wasm.threads, adapter_software: false, backend_probe: null, fallback_reason: null, runtime: `node ${process.versions.node}` });
    expect(Object.keys(environment.versions)).toEqual(['infopo-sandbox', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@huggingface/transformers']);
    // The same mapping as the page's: the report comes back from the record.
    expect(reportOf(environment)).toEqual({ backend: 'wasm', adapter: null, software: false, fallbackReason: null, versions: environment.versions, probe: null, threads: wasm.threads });

    const probe = [{ backend: 'wasm' as const, ms: 12, warmupMs: 20, units: 5, screenMs: 1, note: null }];
    expect(nodeEnvironment({ ...wasm, probe }).backend_probe).toEqual(probe);

    const cpu = await nodeBackend('cpu');
    expect(cpu.threads).toBeNull();
    expect(nodeEnvironment(cpu)).toMatchObject({ backend: 'cpu', wasm_threads: null });
  });

  it.runIf(process.platform === 'linux')('refuses webgpu in Node without a Vulkan driver, saying what to install', async () => {
    // No driver: the Vulkan loader is pointed at a file that does not exist (Dawn reads it at start).
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json';
    await expect(nodeBackend('webgpu')).rejects.toThrow(/found no Vulkan adapter: install the Vulkan loader \(apt-get install libvulkan1\)/);
  });
});
