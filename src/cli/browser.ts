/** How this project launches Chromium: Debian's build when present (SwiftShader WebGPU), flags that work headless. */
import { existsSync } from 'node:fs';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The system's Chromium, looked up when called (an install may have just added it). */
export function systemChromium(): string | undefined {
  return SYSTEM_PATHS.find((p) => existsSync(p));
}

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
