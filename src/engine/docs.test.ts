import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
