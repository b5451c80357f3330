// Browser tests need Chromium: Debian's system Chromium when present (it has SwiftShader WebGPU),
// otherwise Playwright's own build, downloaded once by `playwright install`.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const system = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (system) {
  console.log(`browser tests use ${system}`);
} else {
  console.log('no system Chromium found: installing Playwright\'s Chromium');
  execSync('npx playwright install chromium', { stdio: 'inherit' });
}
