/**
 * The engine's doors: hosts (src/ui, src/cli, src/worker, src/lab) and the repo's scripts/ and
 * e2e/ tests import the engine only through src/engine/index.ts, plus src/engine/runtime/webgpu.ts
 * (browser-only WebGPU pieces); nothing under src/ imports from e2e/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname);
const ROOT = resolve(SRC, '..');
const DOORS = new Set(['src/engine/index.ts', 'src/engine/runtime/webgpu.ts']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : /\.(ts|svelte)$/.test(name) ? [full] : [];
  });
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

/** The file a relative specifier names, as a path from the project root (index.ts for a folder). */
function target(file: string, spec: string): string {
  const path = relative(ROOT, resolve(dirname(file), spec.replace(/\?.*$/, '')));
  if (/\.(ts|svelte|css|html|json|wasm)$/.test(path)) return path;
  const asFile = `${path}.ts`;
  try {
    statSync(join(ROOT, asFile));
    return asFile;
  } catch {
    return `${path}/index.ts`;
  }
}

describe('import boundaries', () => {
  it('finds static, re-exported and dynamic imports', () => {
    expect(importsOf(`import { a } from '../engine/config';\nexport { b } from "./x";\nawait import('../engine/webgpu');\nimport './app.css';`)).toEqual(['../engine/config', './x', '../engine/webgpu', './app.css']);
  });

  it('hosts, scripts and e2e tests reach the engine only through src/engine/index.ts (and src/engine/runtime/webgpu.ts)', () => {
    const bad: string[] = [];
    for (const host of ['src/ui', 'src/cli', 'src/worker', 'src/lab', 'scripts', 'e2e'])
      for (const file of walk(join(ROOT, host)))
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
          const t = target(file, spec);
          if (t.startsWith('src/engine/') && !DOORS.has(t)) bad.push(`${relative(ROOT, file)} imports ${spec}`);
        }
    expect(bad).toEqual([]);
  });

  it('nothing under src/ imports from e2e/', () => {
    const bad = walk(SRC).flatMap((file) => importsOf(readFileSync(file, 'utf8')).filter((spec) => target(file, spec).startsWith('e2e/')).map((spec) => `${relative(ROOT, file)} imports ${spec}`));
    expect(bad).toEqual([]);
  });
});
