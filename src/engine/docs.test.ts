import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
    const { hfTensorName, parameterNames } = await import('./checkpoints/hf-checkpoint');
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

describe('docs/ARCHITECTURE.md stays true', () => {
  const root = resolve(import.meta.dirname, '../..');
  const text = readFileSync(resolve(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const block = text.slice(text.indexOf('## Layers'));
  const map = block.slice(block.indexOf('```\n') + 4, block.indexOf('\n```', block.indexOf('```\n') + 4));
  // Each entry: a path in the first column, then its modules ("a · b (what b is) · c"), possibly over several lines.
  const entries: { path: string; text: string; modules: string[] }[] = [];
  for (const line of map.split('\n')) {
    const m = /^(src\/\S*)\s+(.*)$/.exec(line);
    if (m) entries.push({ path: m[1], text: m[2], modules: [] });
    else if (entries.length) entries[entries.length - 1].text += ` ${line.trim()}`;
  }
  // A folder's modules follow its description's colon, separated by "·", each maybe with "(what it is)".
  for (const e of entries.filter((x) => x.path.endsWith('/')))
    e.modules = e.text.replace(/\([^)]*\)/g, '').replace(/^[^:]*:\s*/, '').split('·').map((item) => item.trim().split(/\s/)[0]).filter(Boolean);
  const modulesOf = (dir: string) => readdirSync(resolve(root, dir)).filter((n) => !n.endsWith('.test.ts') && !n.endsWith('.d.ts') && !n.endsWith('.css') && !n.endsWith('.html'));
  const stem = (n: string) => n.replace(/\.(ts|svelte)$/, '');

  it('every path it names exists', () => {
    expect(entries.length).toBeGreaterThan(20);
    expect(entries.filter((e) => !existsSync(resolve(root, e.path))).map((e) => e.path)).toEqual([]);
  });
  it("names every file and folder at src/engine's top level and every folder of src/", () => {
    const named = new Set(entries.map((e) => e.path.replace(/\/$/, '')));
    const missing = [...modulesOf('src/engine').map((n) => `src/engine/${n}`), ...readdirSync(resolve(root, 'src')).filter((n) => statSync(resolve(root, 'src', n)).isDirectory() && n !== 'engine').map((n) => `src/${n}`)].filter((p) => !named.has(p));
    expect(missing).toEqual([]);
  });
  it('lists every module of each folder it describes by name, and no module that is not there', () => {
    const wrong: string[] = [];
    for (const e of entries.filter((x) => x.path.endsWith('/') && x.modules.length)) {
      const actual = new Set(modulesOf(e.path).map(stem));
      for (const m of e.modules) if (!actual.has(stem(m)) && !actual.has(m.replace(/\/$/, ''))) wrong.push(`${e.path}${m} is named but absent`);
      for (const a of actual) if (!e.modules.some((m) => stem(m) === a || m.replace(/\/$/, '') === a)) wrong.push(`${e.path}${a} is not named`);
    }
    expect(wrong).toEqual([]);
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

  it("README.md links every page at docs/'s top level", () => {
    const linked = new Set(relativeLinks(readFileSync(resolve(ROOT, 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
    const unlinked = readdirSync(resolve(ROOT, 'docs')).filter((f) => f.endsWith('.md') && !linked.has(`docs/${f}`));
    expect(unlinked).toEqual([]);
  });

  it('docs/results.md stays a one-page summary (at most 150 lines)', () => {
    const lines = readFileSync(resolve(ROOT, 'docs/results.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(150);
  });
});

describe("docs/ARCHITECTURE.md's formula map", () => {
  const text = readFileSync(resolve(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const section = text.slice(text.indexOf('## Where each formula of docs/infopo.md lives'), text.indexOf('## Evaluation'));
  const rows = section.split('\n').filter((l) => /^\| §\d/.test(l));

  it('names a file and a symbol that exist there, for every row, and covers every numbered section of docs/infopo.md that has a formula', () => {
    expect(rows.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const row of rows) {
      const code = row.split(/(?<!\\)\|/)[3];
      if (!/`[^`]+\.ts`/.test(code)) wrong.push(`a row names no file: ${row}`);
      // `file.ts` followed by its `symbols` (until the next file).
      let file: string | null = null;
      for (const [, token] of code.matchAll(/`([^`]+)`/g)) {
        if (/\.ts$/.test(token)) {
          file = token;
          if (!existsSync(resolve(ROOT, 'src/engine', file))) wrong.push(`${file} does not exist`);
        } else if (file) {
          const source = readFileSync(resolve(ROOT, 'src/engine', file), 'utf8');
          const [owner, member] = token.split('.');
          if (!new RegExp(`export (async )?(function|const|class) ${owner}\\b`).test(source)) wrong.push(`${file} exports no ${owner}`);
          if (member && !new RegExp(`\\b(async )?${member}\\(`).test(source)) wrong.push(`${file} has no ${token}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    const sections = new Set(rows.map((r) => r.split('|')[1].trim()));
    for (const s of ['§1', '§2', '§3', '§4', '§5']) expect(sections, s).toContain(s);
  });
});
