import { describe, expect, it } from 'vitest';
import lzString from 'lz-string';
import { configFromPresets, DEFAULT_CONFIG, PRESETS, resolveConfig } from './config';
import { decodeShare, encodeShare, hasShare, MAX_SHARE_PAYLOAD, reproductionVerdict, shareParamsOf, shareParamsOfLink, shareUrl } from './share';

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
    // A hostile version string is quoted cut short.
    expect(() => decodeShare(`v=${'9'.repeat(5000)}&c=x`)).toThrow(/^.{0,200}$/s);
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
    expect(() => decodeShare(`v=1&c=${payload({ dModel: 30, nHeads: 4 })}`)).toThrow(/nHeads = 4: must divide dModel = 30/);
  });

  it('loads the known keys of a link with unknown ones and names the ignored ones', () => {
    const long = 'k'.repeat(200_000);
    const decoded = decodeShare(`v=1&c=${payload({ seed: 7, nope: 1, [long]: 2 })}`);
    expect(decoded.config.seed).toBe(7);
    expect(decoded.ignored).toEqual(['nope', long]);
    expect(decoded.proof).toBeNull();
  });

  it('caps the payload and the quoted values of invalid setups', () => {
    expect(() => decodeShare(`v=1&c=${'A'.repeat(MAX_SHARE_PAYLOAD + 1)}`)).toThrow(/more than any valid setup needs/);
    const err = (() => {
      try {
        decodeShare(`v=1&c=${payload({ placeholder: 'x'.repeat(5000) })}`);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(err).toMatch(/placeholder = "x+… \(5002 chars\): Too big/);
    expect(err.length).toBeLessThan(300);
  });

  it('carries a run\'s backend and fingerprint, checked', () => {
    const config = configFromPresets(['smoke'], { seed: 3 });
    const fp = 'a'.repeat(64);
    const s = encodeShare(config, { backend: 'wasm', fingerprint: fp });
    expect(decodeShare(s)).toEqual({ config, ignored: [], proof: { backend: 'wasm', fingerprint: fp } });
    expect(() => decodeShare(s.replace('b=wasm', 'b=tpu'))).toThrow(/backend b="tpu" is not one of webgpu, wasm, cpu/);
    expect(() => decodeShare(s.replace(`f=${fp}`, 'f=abc'))).toThrow(/64 hex digits/);
    expect(() => decodeShare(s.replace('&b=wasm', ''))).toThrow(/go together/);
  });

  it('builds links on the page address, in the hash, and reads them from a whole URL', () => {
    const config = configFromPresets(['smoke']);
    const url = shareUrl('https://example.org/sandbox/infopo/?old=1#x', config, { backend: 'cpu', fingerprint: 'b'.repeat(64) });
    expect(url.startsWith('https://example.org/sandbox/infopo/#v=1&c=')).toBe(true);
    expect(decodeShare(shareParamsOfLink(url)).proof?.backend).toBe('cpu');
    // Older links carried the setup in the query.
    expect(decodeShare(shareParamsOfLink(`http://localhost:5173/?${encodeShare(config)}`)).config).toEqual(config);
    expect(shareParamsOfLink(encodeShare(config))).toBe(encodeShare(config));
    expect(() => shareParamsOfLink('http://localhost:5173/')).toThrow(/carries no setup/);
    expect(shareParamsOf({ search: '?v=1&c=q', hash: '#v=1&c=h' })).toBe('#v=1&c=h');
    expect(shareParamsOf({ search: '?v=1&c=q', hash: '' })).toBe('?v=1&c=q');
    expect(shareParamsOf({ search: '', hash: '#top' })).toBeNull();
  });

  it('says whether a run reproduced the linked one', () => {
    const expected = { backend: 'wasm' as const, fingerprint: 'c'.repeat(64) };
    expect(reproductionVerdict(expected, { backend: 'wasm', fingerprint: 'c'.repeat(64) })).toEqual({ kind: 'reproduced', text: 'reproduced: same fingerprint' });
    expect(reproductionVerdict(expected, { backend: 'webgpu', fingerprint: 'd'.repeat(64) })).toEqual({ kind: 'differs-backend', text: 'differs (backend webgpu vs wasm)' });
    expect(reproductionVerdict(expected, { backend: 'wasm', fingerprint: 'd'.repeat(64) })).toEqual({ kind: 'differs', text: 'differs' });
    const onGpu = { backend: 'webgpu' as const, fingerprint: 'e'.repeat(64) };
    expect(reproductionVerdict(onGpu, { backend: 'webgpu', fingerprint: 'e'.repeat(64) }).kind).toBe('reproduced');
    const otherGpu = reproductionVerdict(onGpu, { backend: 'webgpu', fingerprint: 'f'.repeat(64) });
    expect(otherGpu.kind).toBe('differs');
    expect(otherGpu.text).toContain('another GPU or driver');
  });
});
