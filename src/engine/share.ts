/**
 * Share a setup, and the proof of a run of it, by URL. Pure (no DOM): the page, the CLI
 * (`npm run experiment -- --url`), tests and scripts use the same functions.
 *
 * Format, version 1: `v=1&c=<payload>[&b=<backend>&f=<fingerprint>]`, where <payload> is
 * lz-string's `compressToEncodedURIComponent` of the JSON object of the config keys whose values
 * differ from the defaults (`diffFromDefaults`, so the seed is included whenever it is not the
 * default). `b` and `f` are the backend a run of it used and its record's fingerprint: whoever
 * opens the link and runs it can tell whether they reproduced it. The page writes the parameters
 * after `#` (never sent to the server: no length limit of the server applies, no HTTP 431) and
 * reads them from the hash or, for older links, the query.
 *
 * Decoding resolves the config over the defaults of this version and validates it with the config
 * schema; config keys this version does not know are left out and named (`ignored`), so a link from
 * a newer sandbox still opens.
 */
// lz-string is CommonJS: a default import works in Vite, Vitest and plain Node ESM alike.
import lzString from 'lz-string';
import { ConfigError, diffFromDefaults, resolveConfigLenient, type Config } from './config';
import { BACKEND_NAMES, isBackendName, type BackendName } from './runtime/backend';

const { compressToEncodedURIComponent, decompressFromEncodedURIComponent } = lzString;

export const SHARE_VERSION = 1;

/** Query parameters that mark a URL as a shared setup. */
export const SHARE_PARAMS = ['v', 'c'] as const;

/**
 * Longest setup payload read (characters of `c`). Every valid config compresses to under 2 KB;
 * the cap keeps a hostile link from making the page decompress and parse megabytes.
 */
export const MAX_SHARE_PAYLOAD = 16_384;

/** What a run of the linked setup produced: its backend and its record's fingerprint. */
export interface ShareProof {
  /** Any of `BACKEND_NAMES` (the page runs all three; the command line wasm and cpu). */
  backend: BackendName;
  fingerprint: string;
}

export interface DecodedShare {
  config: Config;
  /** Config keys of the link that this version does not know (left out). */
  ignored: string[];
  /** Present when the link carries a run's backend and fingerprint. */
  proof: ShareProof | null;
}

/** `v=1&c=...` for the config (only non-default values), then `&b=..&f=..` when a run's proof is given. */
export function encodeShare(config: Config, proof?: ShareProof | null): string {
  const diff = diffFromDefaults(config);
  const base = `v=${SHARE_VERSION}&c=${compressToEncodedURIComponent(JSON.stringify(diff))}`;
  return proof ? `${base}&b=${proof.backend}&f=${proof.fingerprint}` : base;
}

/** A full link: the page's address (origin + path, no query or hash) then `#` and the parameters. */
export function shareUrl(pageUrl: string, config: Config, proof?: ShareProof | null): string {
  const base = pageUrl.replace(/[?#].*$/, '');
  return `${base}#${encodeShare(config, proof)}`;
}

/** True when a query string or hash carries a shared setup (so the page should decode it). */
export function hasShare(str: string): boolean {
  const params = new URLSearchParams(str.replace(/^[?#]/, ''));
  return SHARE_PARAMS.some((p) => params.has(p));
}

/** The share parameters of a page address: the hash's (what links hold now), else the query's (older links); null if neither has them. */
export function shareParamsOf(location: { search: string; hash: string }): string | null {
  if (hasShare(location.hash)) return location.hash;
  if (hasShare(location.search)) return location.search;
  return null;
}

/**
 * The parameters of a whole link (`http://host/path/#v=1&c=...`, or `?v=1...`), or of the bare
 * parameter string. Throws when the text is neither.
 */
export function shareParamsOfLink(link: string): string {
  const text = link.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error('Shared link: not a valid URL.');
    }
    const found = shareParamsOf(url);
    if (!found) throw new Error('Shared link: the URL carries no setup (no "v" and "c" parameters after # or ?).');
    return found;
  }
  return text;
}

/**
 * Decode `v=1&c=...[&b=..&f=..]` (a leading `?` or `#` is allowed). Throws an Error whose message
 * says what is wrong: missing or unsupported version, missing or oversized payload, payload that
 * does not decompress, is not JSON or not a JSON object, config values the schema rejects
 * (ConfigError's problems), or a malformed backend / fingerprint.
 */
export function decodeShare(str: string): DecodedShare {
  const params = new URLSearchParams(str.trim().replace(/^[?#]/, ''));
  const version = params.get('v');
  if (version === null) throw new Error('Shared link: the version parameter "v" is missing (expected v=1).');
  if (version !== String(SHARE_VERSION)) throw new Error(`Shared link: unsupported version v=${JSON.stringify(version.slice(0, 20))}; this sandbox reads v=${SHARE_VERSION}.`);
  const payload = params.get('c');
  if (payload === null || payload === '') throw new Error('Shared link: the setup parameter "c" is missing or empty.');
  if (payload.length > MAX_SHARE_PAYLOAD) throw new Error(`Shared link: the setup parameter "c" has ${payload.length} characters, more than any valid setup needs (limit ${MAX_SHARE_PAYLOAD}); the link was edited or corrupted.`);
  let json: string | null;
  try {
    json = decompressFromEncodedURIComponent(payload);
  } catch {
    json = null;
  }
  if (!json) throw new Error('Shared link: the setup parameter "c" could not be decompressed (the link is truncated or was edited).');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`Shared link: the decompressed setup is not valid JSON (${error instanceof Error ? error.message.slice(0, 100) : String(error)}).`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('Shared link: the setup must be a JSON object of config values.');
  const backend = params.get('b');
  const fingerprint = params.get('f');
  if (backend !== null && !isBackendName(backend)) throw new Error(`Shared link: backend b=${JSON.stringify(backend.slice(0, 20))} is not one of ${BACKEND_NAMES.join(', ')}.`);
  if (fingerprint !== null && !/^[0-9a-f]{64}$/.test(fingerprint)) throw new Error('Shared link: the fingerprint "f" must be 64 hex digits (a SHA-256).');
  if ((backend === null) !== (fingerprint === null)) throw new Error('Shared link: "b" (backend) and "f" (fingerprint) go together; the link has only one of them.');
  try {
    const { config, ignored } = resolveConfigLenient(value);
    return { config, ignored, proof: isBackendName(backend) && fingerprint !== null ? { backend, fingerprint } : null };
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`Shared link: invalid setup: ${error.problems.join('; ')}`);
    throw error;
  }
}

export type VerdictKind = 'reproduced' | 'differs-backend' | 'differs';

/**
 * Did a run reproduce the linked one? Same fingerprint: reproduced. Otherwise the backends tell
 * whether the difference is expected (floating-point order differs between backends) or not.
 */
export function reproductionVerdict(expected: ShareProof, actual: { backend: string; fingerprint: string }): { kind: VerdictKind; text: string } {
  if (actual.fingerprint === expected.fingerprint) return { kind: 'reproduced', text: 'reproduced: same fingerprint' };
  if (actual.backend !== expected.backend) return { kind: 'differs-backend', text: `differs (backend ${actual.backend} vs ${expected.backend})` };
  // WebGPU's float order is the adapter's (its compiler, its workgroups): same adapter, same
  // fingerprint (Node's Dawn and the page agree); another GPU is another order.
  if (actual.backend === 'webgpu') return { kind: 'differs', text: 'differs (webgpu: another GPU or driver gives other rounding; on the same adapter it repeats)' };
  return { kind: 'differs', text: 'differs' };
}
