/**
 * Share a setup by URL. Pure (no DOM): the page, tests and scripts use the same two functions.
 *
 * Format, version 1: a query string `v=1&c=<payload>` where <payload> is
 * lz-string's `compressToEncodedURIComponent` of the JSON object of the config keys whose values
 * differ from the defaults (`diffFromDefaults`, so the seed is included whenever it is not the
 * default). Decoding resolves that object over the defaults of this version and validates it with
 * the config schema, so a link either yields a complete, valid config or a clear error.
 */
// lz-string is CommonJS: a default import works in Vite, Vitest and plain Node ESM alike.
import lzString from 'lz-string';
import { ConfigError, diffFromDefaults, resolveConfig, type Config } from './config';

const { compressToEncodedURIComponent, decompressFromEncodedURIComponent } = lzString;

export const SHARE_VERSION = 1;

/** Query parameters that mark a URL as a shared setup. */
export const SHARE_PARAMS = ['v', 'c'] as const;

/** `v=1&c=...` for the config (only non-default values; an all-default config gives `v=1&c=` + `{}`). */
export function encodeShare(config: Config): string {
  const diff = diffFromDefaults(config);
  return `v=${SHARE_VERSION}&c=${compressToEncodedURIComponent(JSON.stringify(diff))}`;
}

/** True when a query string or hash carries a shared setup (so the page should decode it). */
export function hasShare(str: string): boolean {
  const params = new URLSearchParams(str.replace(/^[?#]/, ''));
  return SHARE_PARAMS.some((p) => params.has(p));
}

/**
 * Decode `v=1&c=...` (a leading `?` or `#` is allowed). Throws an Error whose message says what
 * is wrong: missing or unsupported version, missing payload, payload that does not decompress,
 * is not JSON or not a JSON object, or config values the schema rejects (ConfigError's problems).
 */
export function decodeShare(str: string): { config: Config } {
  const params = new URLSearchParams(str.trim().replace(/^[?#]/, ''));
  const version = params.get('v');
  if (version === null) throw new Error('Shared link: the version parameter "v" is missing (expected v=1).');
  if (version !== String(SHARE_VERSION)) throw new Error(`Shared link: unsupported version v=${JSON.stringify(version)}; this sandbox reads v=${SHARE_VERSION}.`);
  const payload = params.get('c');
  if (payload === null || payload === '') throw new Error('Shared link: the setup parameter "c" is missing or empty.');
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
    throw new Error(`Shared link: the decompressed setup is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('Shared link: the setup must be a JSON object of config values.');
  try {
    return { config: resolveConfig(value) };
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`Shared link: invalid setup: ${error.problems.join('; ')}`);
    throw error;
  }
}
