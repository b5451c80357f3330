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
