import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const modelsDir = resolve(import.meta.dirname, 'models');

/** Serves the project's own models/ folder at /models in dev and copies it into the build,
 *  so the browser loads tokenizer and checkpoints through the same loading code as Node. */
function serveModels(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return {
    name: 'infopo-serve-models',
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const file = join(modelsDir, decodeURIComponent((req.url ?? '/').split('?')[0]));
        if (!file.startsWith(modelsDir) || !existsSync(file) || statSync(file).isDirectory()) return next();
        res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
    generateBundle() {
      if (!existsSync(modelsDir)) return;
      for (const file of walk(modelsDir)) {
        this.emitFile({ type: 'asset', fileName: join('models', relative(modelsDir, file)), source: readFileSync(file) });
      }
    },
  };
}

/**
 * Cross-origin isolation (COOP + COEP): without it the page has no SharedArrayBuffer and the tfjs
 * wasm backend runs single-threaded. Everything the page loads is same-origin, so require-corp costs nothing.
 */
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8'));

export default defineConfig({
  // Relative asset URLs: the build works from any static host under any base path (docs/deploy.md).
  base: './',
  plugins: [svelte(), serveModels()],
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        // Test and benchmark page for the GPU kernels (parity tests and `npm run bench` drive it).
        lab: resolve(import.meta.dirname, 'src/lab/index.html'),
      },
    },
  },
  // tfjs-backend-wasm's ESM entry imports a CommonJS file (its threaded worker's source); the dev
  // server serves excluded packages unbundled, so that import failed ("does not provide an export
  // named 'wasmWorkerContents'"). Pre-bundling converts it, as the production build does.
  // The dependency scan also starts from the training worker and the lab page: a dependency first met
  // at run time (the worker's imports) makes the dev server re-optimise and reload the page mid-run.
  optimizeDeps: { include: ['@tensorflow/tfjs-backend-wasm'], entries: ['index.html', 'src/lab/index.html', 'src/worker/trainer.worker.ts'] },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
