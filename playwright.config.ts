import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, systemChromium } from './src/cli/browser';

// Debian's Chromium gives a real WebGPU adapter through SwiftShader; on a machine without it,
// Playwright's own browser (`npx playwright install chromium`) is used instead.

// E2E_PORT (production preview) and E2E_DEV_PORT (Vite dev server, what `npm start` runs) let
// several checkouts run their browser tests side by side without sharing a server.
const port = Number(process.env.E2E_PORT ?? 4173);
const devPort = Number(process.env.E2E_DEV_PORT ?? 5174);

/** The first-visit tour would cover the page in every test: mark it seen (the tour's own test clears this). */
const tourSeen = (origin: string) => ({ cookies: [], origins: [{ origin, localStorage: [{ name: 'infopo-tour-seen', value: '1' }] }] });

const browser = {
  viewport: { width: 1280, height: 900 },
  launchOptions: {
    executablePath: systemChromium(),
    args: CHROMIUM_ARGS,
  },
};

export default defineConfig({
  testDir: 'e2e',
  timeout: 300_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  projects: [
    // The production build (`npm run build` + `vite preview`): every spec but the dev-server one.
    { name: 'preview', testIgnore: /dev-server\.spec\.ts/, use: { ...browser, baseURL: `http://localhost:${port}`, storageState: tourSeen(`http://localhost:${port}`) } },
    // The dev server, as `npm start` serves the page (unbundled modules, pre-bundled dependencies).
    { name: 'dev', testMatch: /dev-server\.spec\.ts/, use: { ...browser, baseURL: `http://localhost:${devPort}`, storageState: tourSeen(`http://localhost:${devPort}`) } },
  ],
  webServer: [
    {
      command: `npx vite preview --host localhost --port ${port} --strictPort`,
      url: `http://localhost:${port}`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
    {
      command: `npx vite --host localhost --port ${devPort} --strictPort`,
      url: `http://localhost:${devPort}`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
