import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, systemChromium } from './src/cli/browser';

// Debian's Chromium gives a real WebGPU adapter through SwiftShader; on a machine without it,
// Playwright's own browser (`npx playwright install chromium`) is used instead.

// E2E_PORT lets several checkouts run their browser tests side by side without sharing a server.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 300_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${port}`,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: systemChromium(),
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: `npx vite preview --host localhost --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
