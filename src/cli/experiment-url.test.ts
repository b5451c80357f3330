/** `npm run experiment -- --url`: a run's own link reproduces it; bad links are refused in one line. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import lzString from 'lz-string';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromPresets, decodeShare, encodeShare, parseRunRecord, shareParamsOfLink } from '../engine';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'infopo-url-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function experiment(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/experiment.ts'), '--quiet', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A refusal: exit 2, one line on stderr, no stack trace, nothing on stdout. */
function expectRefused(r: ReturnType<typeof experiment>, message: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.err.trim()).toMatch(message);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.out).toBe('');
}

describe('experiment --url', () => {
  it("reproduces a run from its run.json's share_url (same fingerprint on the same backend), and says when a link's fingerprint differs", () => {
    const config = configFromPresets(['smoke'], { steps: 2, seed: 5 });
    const first = experiment('--url', `http://localhost:5173/#${encodeShare(config)}`, '--out', join(dir, 'a'), '--page-url', 'https://example.org/sandbox/infopo/');
    expect(first.code, first.err).toBe(0);
    const a = parseRunRecord(readFileSync(join(dir, 'a', 'run.json'), 'utf8'));
    expect(a.config).toEqual(config);
    expect(a.share_url?.startsWith('https://example.org/sandbox/infopo/#v=1&c=')).toBe(true);
    const link = decodeShare(shareParamsOfLink(a.share_url!));
    expect(link.proof).toEqual({ backend: 'wasm', fingerprint: a.fingerprint });

    const again = experiment('--url', a.share_url!, '--out', join(dir, 'b'));
    expect(again.code, again.err).toBe(0);
    const b = parseRunRecord(readFileSync(join(dir, 'b', 'run.json'), 'utf8'));
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(again.out).toMatch(/link: reproduced: same fingerprint/);

    // Same setup, another fingerprint claimed: the run says so and exits 3.
    const other = experiment('--url', a.share_url!.replace(a.fingerprint, '0'.repeat(64)), '--out', join(dir, 'c'));
    expect(other.code).toBe(3);
    expect(other.out).toMatch(/link: differs \(expected 0000000000000000… on wasm/);
  });

  it('refuses malformed links, oversized values and oversized setups with one clear line', () => {
    const c = (value: unknown) => lzString.compressToEncodedURIComponent(JSON.stringify(value));
    expectRefused(experiment('--url', 'http://localhost:5173/#v=1&c=garbage'), /^Shared link: the setup parameter "c" could not be decompressed/);
    // (Every other malformed link goes through the same decodeShare: src/engine/share.test.ts.)
    expectRefused(experiment('--url', `v=1&c=${c({ placeholder: 'x'.repeat(100_000) })}`), /^Shared link: invalid setup: placeholder = "x+… \(100002 chars\): Too big/);
    expectRefused(experiment('--url', `v=1&c=${c({})}`, '--set', 'seed=2'), /cannot be combined with --preset, --config, --set or --resume/);
    // The example: used to die with "RuntimeError: memory access out of bounds" and a stack trace.
    expectRefused(experiment('--set', 'dModel=1024', '--set', 'nLayers=24'), /^This setup is too large for this device: it needs up to .*303\.\d M parameters.*WebAssembly's 4 GiB heap/);
  });

  it('runs a link with unknown keys, naming them in one line', () => {
    const long = 'z'.repeat(100_000);
    const r = experiment('--url', `v=1&c=${lzString.compressToEncodedURIComponent(JSON.stringify({ ...configFromPresets(['smoke'], { steps: 1, sftSteps: 1, evalEpisodes: 1 }), futureKnob: 1, [long]: 2 }))}`, '--out', join(dir, 'd'));
    expect(r.code, r.err).toBe(0);
    const line = r.err.split('\n').find((l) => l.startsWith('Ignored'));
    expect(line).toMatch(/^Ignored 2 unknown keys in the link: "futureKnob", "z{40}… \(100000 chars\)"\.$/);
  });
});
