/** Console watching and screenshots shared by the browser tests. */
import type { ConsoleMessage, Page, TestInfo } from '@playwright/test';

/**
 * WebGPU validation failures (an invalid pipeline, a WGSL error) are only console *warnings*, and the
 * op's output then silently holds stale memory; a synchronous GPU read destroys the device on
 * SwiftShader. Both count as failures, like any console error.
 */
export const GPU_TROUBLE = /WGSL|ShaderModule|ComputePipeline|BindGroup|storage buffers|is invalid|synchronously reading/i;

export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  const onConsole = (where: string) => (msg: ConsoleMessage) => {
    const text = msg.text();
    if (msg.type() === 'error' || (msg.type() === 'warning' && GPU_TROUBLE.test(text))) problems.push(`[${where} console.${msg.type()}] ${text} (${msg.location().url})`);
  };
  page.on('console', onConsole('page'));
  // Training runs in a Web Worker: its console (and the GPU warnings raised there) is separate.
  page.on('worker', (worker) => worker.on('console', onConsole('worker')));
  page.on('pageerror', (err) => problems.push(`[pageerror] ${err.message}`));
  return problems;
}

export async function attachScreenshot(page: Page, testInfo: TestInfo, name: string, fullPage = true): Promise<void> {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Wait for a phase, failing at once (with the banner's text) if the run fails. */
export async function waitForPhase(page: Page, phase: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await page.getByTestId('phase').getAttribute('data-phase')) ?? '';
    if (phase.test(value)) return;
    if (value === 'failed' || (await page.getByTestId('run-error').count())) throw new Error(`The run failed: ${await page.getByTestId('run-error').textContent()}`);
    if (Date.now() > deadline) throw new Error(`Timed out waiting for phase ${phase} (now ${value})`);
    await page.waitForTimeout(500);
  }
}
