/**
 * WebGPU in Node through Dawn's Node bindings (the `webgpu` package): installs `navigator.gpu` and
 * the WebGPU globals TensorFlow.js's webgpu backend expects, so the engine runs the same WGSL as the
 * page. Dawn reaches the GPU through Vulkan on Linux: the Vulkan loader (libvulkan1) and a driver
 * (the GPU's own, or SwiftShader's on a machine without one) must be present.
 */
import { existsSync } from 'node:fs';

/** The SwiftShader Vulkan driver that Debian's chromium package ships (a software adapter). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** What to install, in one line, when Dawn finds no adapter or cannot load. */
export function missingVulkanHint(platform = process.platform, swiftshaderPresent = existsSync(SWIFTSHADER_ICD)): string {
  if (platform !== 'linux') return 'WebGPU in Node found no adapter: it needs the GPU driver of this system (Metal on macOS, D3D12 on Windows).';
  const software = swiftshaderPresent
    ? `, or the CPU's software driver: VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`
    : ', or a software one (apt-get install chromium ships SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)';
  return `WebGPU in Node found no Vulkan adapter: install the Vulkan loader (apt-get install libvulkan1) and your GPU's Vulkan driver${software}.`;
}

let installed: Promise<void> | null = null;

/**
 * Makes `navigator.gpu` Dawn's and checks that it gives an adapter; throws one line saying what is
 * missing otherwise. Idempotent.
 */
export function installNodeWebGpu(): Promise<void> {
  installed ??= (async () => {
    let dawn: { create: (options: string[]) => GPU; globals: Record<string, unknown> };
    try {
      dawn = (await import('webgpu')) as unknown as typeof dawn;
    } catch (e) {
      throw new Error(`${missingVulkanHint()} (loading dawn.node failed: ${(e as Error).message.split('\n')[0]})`);
    }
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([]);
    // Node 20 has no navigator; Node 21+ has one without gpu.
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `node ${process.versions.node}` }, configurable: true, writable: true });
    if (!(await gpu.requestAdapter())) throw new Error(missingVulkanHint());
    // Dawn's pending GPU work (a buffer being mapped for a read-back) holds no handle on Node's event
    // loop: a command awaiting it would end silently with exit 0. This timer keeps the loop alive; the
    // command-line tools exit explicitly when done.
    setInterval(() => {}, 1 << 30);
  })();
  installed.catch(() => (installed = null));
  return installed;
}
