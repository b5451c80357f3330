import { describe, expect, it } from 'vitest';
import lzString from 'lz-string';
import { configFromPresets, DEFAULT_CONFIG, PRESETS, resolveConfig } from './config';
import { decodeShare, encodeShare, hasShare } from './share';

const payload = (value: unknown) => lzString.compressToEncodedURIComponent(typeof value === 'string' ? value : JSON.stringify(value));

describe('share links', () => {
  it('round-trips the default config', () => {
    const s = encodeShare(DEFAULT_CONFIG);
    expect(s.startsWith('v=1&c=')).toBe(true);
    expect(decodeShare(s).config).toEqual(DEFAULT_CONFIG);
  });

  it('round-trips every preset and a config with a changed seed', () => {
    for (const name of Object.keys(PRESETS)) {
      const config = configFromPresets([name], { seed: 12345 });
      const decoded = decodeShare(encodeShare(config)).config;
      expect(decoded).toEqual(config);
      expect(decoded.seed).toBe(12345);
    }
  });

  it('stores only the non-default values', () => {
    const config = resolveConfig({ method: 'grpo', beta: 0.1 });
    const s = encodeShare(config);
    expect(new URLSearchParams(s).get('c')).toBe(payload({ method: 'grpo', beta: 0.1 }));
  });

  it('accepts a leading ? or #', () => {
    const config = resolveConfig({ task: 'intent', groupSize: 4 });
    expect(decodeShare(`?${encodeShare(config)}`).config).toEqual(config);
    expect(decodeShare(`#${encodeShare(config)}`).config).toEqual(config);
  });

  it('detects share parameters', () => {
    expect(hasShare('?v=1&c=abc')).toBe(true);
    expect(hasShare('?c=abc')).toBe(true);
    expect(hasShare('')).toBe(false);
    expect(hasShare('?utm=x')).toBe(false);
  });

  it('rejects a missing or unknown version', () => {
    expect(() => decodeShare(`c=${payload({})}`)).toThrow(/version parameter "v" is missing/);
    expect(() => decodeShare(`v=2&c=${payload({})}`)).toThrow(/unsupported version v="2"/);
  });

  it('rejects a missing payload', () => {
    expect(() => decodeShare('v=1')).toThrow(/"c" is missing/);
    expect(() => decodeShare('v=1&c=')).toThrow(/"c" is missing/);
  });

  it('rejects a payload that does not decompress or is not JSON', () => {
    expect(() => decodeShare('v=1&c=garbage')).toThrow(/Shared link:/);
    expect(() => decodeShare('v=1&c=%%%')).toThrow(/Shared link:/);
    expect(() => decodeShare(`v=1&c=${payload('{not json')}`)).toThrow(/not valid JSON/);
    expect(() => decodeShare(`v=1&c=${payload('[1,2]')}`)).toThrow(/JSON object/);
    expect(() => decodeShare(`v=1&c=${payload('42')}`)).toThrow(/JSON object/);
  });

  it('rejects invalid config values with the ConfigError messages', () => {
    expect(() => decodeShare(`v=1&c=${payload({ groupSize: 0 })}`)).toThrow(/invalid setup: groupSize = 0/);
    expect(() => decodeShare(`v=1&c=${payload({ method: 'ppo' })}`)).toThrow(/method = "ppo"/);
    expect(() => decodeShare(`v=1&c=${payload({ nope: 1 })}`)).toThrow(/unknown key "nope"/);
    expect(() => decodeShare(`v=1&c=${payload({ dModel: 30, nHeads: 4 })}`)).toThrow(/nHeads = 4: must divide dModel = 30/);
  });
});
