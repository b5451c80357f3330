import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, PRESETS } from './config';

describe('docs stay true', () => {
  const algorithms = readFileSync(resolve(import.meta.dirname, '../../docs/algorithms.md'), 'utf8');
  it('docs/algorithms.md describes every config key', () => {
    for (const key of CONFIG_KEYS) expect(algorithms, key).toContain(`\`${key}\``);
  });
  it('docs/algorithms.md names the reference presets', () => {
    for (const name of Object.keys(PRESETS).filter((n) => n.startsWith('ref-'))) expect(algorithms).toContain(`\`${name}\``);
  });
});

describe('docs/models.md stays true', () => {
  const models = readFileSync(resolve(import.meta.dirname, '../../docs/models.md'), 'utf8');
  it('lists every tensor name mapping of the Hugging Face layout', async () => {
    const { hfTensorName, parameterNames } = await import('./hf-checkpoint');
    const lines = models.split('\n').filter((l) => l.startsWith('| `'));
    for (const name of parameterNames(1)) {
      // Table rows pair weight and bias (`ln_1.weight` / `.bias`): a row must hold the name's stem and its last part.
      const hf = hfTensorName(name).hf.replace('.h.0.', '.h.{l}.');
      const stem = hf.slice(0, hf.lastIndexOf('.'));
      const last = hf.slice(hf.lastIndexOf('.'));
      expect(lines.some((l) => l.includes(stem) && l.includes(last)), hf).toBe(true);
    }
  });
  it('names every command it documents in package.json', () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    for (const cmd of ['experiment', 'convert-checkpoint', 'export-verl', 'export-onnx']) {
      expect(models).toContain(`npm run ${cmd}`);
      expect(pkg.scripts[cmd], cmd).toBeDefined();
    }
  });
});

const ROOT = resolve(import.meta.dirname, '../..');

/** Relative link targets of a Markdown text: `[text](target)` and `![alt](target)`, outside code. */
function relativeLinks(markdown: string): string[] {
  // Code blocks and spans show commands and formulas, whose brackets are not links.
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const targets = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'));
}

describe('documentation links', () => {
  const pages = ['README.md', ...readdirSync(resolve(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  it('finds links in prose and skips code and absolute addresses', () => {
    const text = 'see [a](a.md#x) and ![p](plots/p.svg "t") or [w](https://x.org) [h](#top)\n`[c](code.md)`\n```\n[d](block.md)\n```\n';
    expect(relativeLinks(text)).toEqual(['a.md#x', 'plots/p.svg']);
  });

  it('every relative link in README.md and docs/**/*.md names a file or folder of the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const target of relativeLinks(readFileSync(resolve(ROOT, page), 'utf8'))) {
        const path = resolve(ROOT, dirname(page), decodeURIComponent(target.split('#')[0]));
        if (!path.startsWith(ROOT + '/') || !existsSync(path)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('docs/results.md stays a one-page summary (at most 150 lines)', () => {
    const lines = readFileSync(resolve(ROOT, 'docs/results.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(150);
  });
});
