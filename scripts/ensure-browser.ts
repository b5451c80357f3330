/**
 * Finds a Chromium for the browser tests (`npm test` runs this before Vitest and Playwright), in
 * order: the system's (Debian's has SwiftShader WebGPU), Playwright's own download (fetched now if
 * missing), Debian's `chromium` package (only as root with apt-get), else one line saying how to get
 * one. On Linux it also makes sure of the Vulkan loader (libvulkan1), which WebGPU in Node (Dawn)
 * needs for the kernel tests of src/cli/node-webgpu.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { systemChromium } from '../src/cli/browser';

export interface Probes {
  system: () => string | undefined;
  /** Where Playwright's own Chromium lives once downloaded. */
  playwrightPath: () => string;
  exists: (path: string) => boolean;
  isRoot: boolean;
  hasAptGet: boolean;
  /** Run a command quietly; true when it exits 0. */
  run: (command: string, args: string[]) => boolean;
  log: (line: string) => void;
}

export type BrowserFound = { ok: true; browser: string; how: 'system' | 'playwright' | 'playwright-download' | 'apt' } | { ok: false; message: string };

export function ensureBrowser(p: Probes): BrowserFound {
  const system = p.system();
  if (system) return { ok: true, browser: system, how: 'system' };
  if (p.exists(p.playwrightPath())) return { ok: true, browser: p.playwrightPath(), how: 'playwright' };
  p.log('no system Chromium: downloading Playwright\'s Chromium (npx playwright install chromium)');
  if (p.run('npx', ['playwright', 'install', 'chromium']) && p.exists(p.playwrightPath())) return { ok: true, browser: p.playwrightPath(), how: 'playwright-download' };
  if (p.isRoot && p.hasAptGet) {
    p.log('the download failed: installing Debian\'s chromium package (apt-get install chromium)');
    if (p.run('apt-get', ['update', '-qq']) && p.run('apt-get', ['install', '-y', '-qq', 'chromium'])) {
      const installed = p.system();
      if (installed) return { ok: true, browser: installed, how: 'apt' };
    }
  }
  return {
    ok: false,
    message: 'No Chromium for the browser tests: install one (Debian/Ubuntu: sudo apt-get install chromium) or let Playwright download its own (npx playwright install chromium, needs internet), then run npm test again.',
  };
}

export type VulkanFound = { ok: true; how: 'present' | 'apt' | 'not-linux' } | { ok: false; message: string };

/** The Vulkan loader for Dawn on Linux: present, or installed as root with apt-get, else what to do. */
export function ensureVulkanLoader(p: Pick<Probes, 'isRoot' | 'hasAptGet' | 'run' | 'log'> & { linux: boolean; loaderPresent: () => boolean }): VulkanFound {
  if (!p.linux) return { ok: true, how: 'not-linux' };
  if (p.loaderPresent()) return { ok: true, how: 'present' };
  if (p.isRoot && p.hasAptGet) {
    p.log('no Vulkan loader: installing Debian\'s libvulkan1 (WebGPU in Node needs it)');
    if (p.run('apt-get', ['install', '-y', '-qq', 'libvulkan1']) && p.loaderPresent()) return { ok: true, how: 'apt' };
  }
  return { ok: false, message: 'No Vulkan loader for the WebGPU tests in Node: install it (Debian/Ubuntu: sudo apt-get install libvulkan1), then run npm test again.' };
}

async function main(): Promise<void> {
  const { chromium } = await import('@playwright/test');
  // What both checks need of this machine: who we are, whether apt-get exists, how to run it.
  const machine = {
    isRoot: process.getuid?.() === 0,
    hasAptGet: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
    run: (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 15 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0,
    log: (line: string) => console.log(line),
  };
  const found = ensureBrowser({ ...machine, system: () => systemChromium(), playwrightPath: () => chromium.executablePath(), exists: existsSync });
  if (!found.ok) {
    console.error(found.message);
    process.exit(1);
  }
  console.log(`browser tests use ${found.browser}`);
  const vulkan = ensureVulkanLoader({
    ...machine,
    linux: process.platform === 'linux',
    loaderPresent: () => spawnSync('sh', ['-c', 'ldconfig -p | grep -q "libvulkan.so.1 "'], { stdio: 'ignore' }).status === 0,
  });
  if (!vulkan.ok) {
    console.error(vulkan.message);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
