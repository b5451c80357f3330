import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { configFromPresets, newRunRecord, ConfigError } from '../engine';
import { buildConfig } from './config-flags';

const dir = mkdtempSync(join(tmpdir(), 'infopo-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--config run.json', () => {
  it("takes a newer record's config without the keys this version does not know, and names them", () => {
    const config = configFromPresets(['smoke'], { seed: 9 });
    const record = { ...newRunRecord({ config, environment: { backend: 'wasm', fallback_reason: null, adapter: null, runtime: 'x', versions: {}, started_at: 'now' } }), newField: 1 };
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ ...record, config: { ...config, futureKnob: true } }));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(buildConfig({ preset: [], set: [], config: file })).toEqual(config);
      expect(errors.mock.calls.map((c) => c[0])).toEqual([`Ignored 2 unknown keys in ${file}: "newField", "config.futureKnob".`]);
    } finally {
      errors.mockRestore();
    }
  });

  it('still rejects unknown keys in a hand-written partial config (a typo there is a mistake, not a newer version)', () => {
    const file = join(dir, 'partial.json');
    writeFileSync(file, JSON.stringify({ seeed: 3 }));
    expect(() => buildConfig({ preset: [], set: [], config: file })).toThrow(ConfigError);
  });
});
