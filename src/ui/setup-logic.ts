/**
 * The setup form's model, pure (no DOM, no runes) so it can be unit-tested: a preset plus the
 * user's raw edits ("overrides") resolve to a config, or to per-field error messages taken from
 * the config schema (ConfigError). Raw text is kept as typed, so an invalid entry is shown with
 * its error and never replaced or lost.
 */
// lz-string is CommonJS: a default import works in Vite, Vitest and plain Node ESM alike (as in share.ts).
import lzString from 'lz-string';
import { CONFIG_KEYS, ConfigError, DEFAULT_CONFIG, MAX_SHARE_PAYLOAD, PRESETS, configSchema, diffFromDefaults, parseKnobValue, resolveConfig, USER_LM_NAME, userModelSource, type Config, type ConfigKey } from '../engine';

export type RawValue = string | boolean;
export type Overrides = Partial<Record<ConfigKey, RawValue>>;

export type KnobKind =
  | { kind: 'boolean' }
  | { kind: 'enum'; options: string[] }
  | { kind: 'number'; integer: boolean; min: number | null; max: number | null }
  | { kind: 'text' };

interface ZodLike {
  def: { type: string; innerType?: ZodLike };
  options?: readonly string[];
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
}

/** The input widget a knob needs, read from its zod type (so new knobs get a widget for free). */
export function knobKind(key: ConfigKey): KnobKind {
  let schema = configSchema.shape[key] as unknown as ZodLike;
  while ((schema.def.type === 'default' || schema.def.type === 'optional') && schema.def.innerType) schema = schema.def.innerType;
  switch (schema.def.type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', options: [...(schema.options ?? [])] };
    case 'number':
      return { kind: 'number', integer: schema.isInt === true, min: finiteOrNull(schema.minValue), max: finiteOrNull(schema.maxValue) };
    default:
      return typeof DEFAULT_CONFIG[key] === 'boolean' ? { kind: 'boolean' } : typeof DEFAULT_CONFIG[key] === 'number' ? { kind: 'number', integer: false, min: null, max: null } : { kind: 'text' };
  }
}

function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) && Math.abs(x) < Number.MAX_SAFE_INTEGER ? x : null;
}

/** Defaults with the preset's values on top ('' = no preset). */
export function baseConfig(preset: string): Config {
  return { ...DEFAULT_CONFIG, ...(preset && PRESETS[preset] ? PRESETS[preset].values : {}) } as Config;
}

/** What a field shows: the user's raw edit, else the preset/default value. */
export function displayValue(key: ConfigKey, preset: string, overrides: Overrides): RawValue {
  const raw = overrides[key];
  if (raw !== undefined) return raw;
  const value = baseConfig(preset)[key];
  return typeof value === 'boolean' ? value : String(value);
}

export interface Validation {
  /** The resolved config, or null while any field is invalid. */
  config: Config | null;
  /** Per-key messages (from parseKnobValue or resolveConfig), shown next to the field. */
  errors: Partial<Record<ConfigKey, string>>;
  /** Problems that name no single key. */
  general: string[];
}

const KEY_OF_PROBLEM = /^([A-Za-z0-9_]+) = /;

/** Resolve preset + overrides; never throws. */
export function validateSetup(preset: string, overrides: Overrides): Validation {
  const errors: Partial<Record<ConfigKey, string>> = {};
  const general: string[] = [];
  if (preset && !PRESETS[preset]) general.push(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const input: Record<string, unknown> = { ...(preset && PRESETS[preset] ? PRESETS[preset].values : {}) };
  for (const [key, raw] of Object.entries(overrides) as [ConfigKey, RawValue][]) {
    if (raw === undefined) continue;
    try {
      input[key] = typeof raw === 'boolean' ? raw : parseKnobValue(key, raw);
    } catch (error) {
      errors[key] = error instanceof ConfigError ? error.problems.join('; ') : String(error);
      delete input[key];
    }
  }
  let config: Config | null = null;
  try {
    config = resolveConfig(input);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) {
      const key = problem.match(KEY_OF_PROBLEM)?.[1];
      if (key && (CONFIG_KEYS as string[]).includes(key)) {
        const k = key as ConfigKey;
        errors[k] = errors[k] ? `${errors[k]}; ${problem}` : problem;
      } else general.push(problem);
    }
  }
  // A checkpoint path (any init with a /) names a folder on the machine running the CLI; the page
  // can load only its own models/ folders and imported checkpoints, so say so before Start.
  if (config && config.init.includes('/') && !errors.init) {
    errors.init = `init = ${JSON.stringify(config.init.length > 80 ? `${config.init.slice(0, 80)}…` : config.init)}: a checkpoint path works on the command line only; in the page, import the folder (Export and import → Import checkpoint…) or name a folder under models/`;
  }
  // The same for a user model: the worker cannot read folders (user-lm/load.ts refuses them too, at Start).
  for (const key of ['userModel', 'evalUserModel'] as const) {
    const value = config?.[key] ?? input[key];
    if (typeof value !== 'string' || !value || errors[key] || userModelSource(value).kind !== 'folder') continue;
    errors[key] = `${key} = ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}: a checkpoint folder works on the command line only; in the page use ${USER_LM_NAME} (the shipped LM user) or a Hub model id (owner/name)`;
  }
  const ok = Object.keys(errors).length === 0 && general.length === 0;
  return { config: ok ? config : null, errors, general };
}

/** Overrides that reproduce a config exactly with no preset (used when a shared link is opened). */
export function overridesFromConfig(config: Config): Overrides {
  const out: Overrides = {};
  for (const [key, value] of Object.entries(diffFromDefaults(config)) as [ConfigKey, unknown][]) {
    out[key] = typeof value === 'boolean' ? value : String(value);
  }
  return out;
}

/** The setup a page opens with when its link names none: the `demo` preset (a short run from a shipped checkpoint). */
export const LANDING_PRESET = 'demo';

/** The form holds the landing setup (what "reset all" returns to: the demo, no edits). */
export function isLandingSetup(preset: string, overrides: Overrides): boolean {
  return preset === LANDING_PRESET && Object.values(overrides).every((v) => v === undefined);
}

/**
 * The preset and edits that reproduce a config with the fewest edits (a shared link of the smoke
 * preset opens as "smoke", not as the defaults with 12 edits). Ties go to no preset, then to the
 * landing preset, then to registry order.
 */
export function setupFromConfig(config: Config): { preset: string; overrides: Overrides } {
  const candidates = ['', ...(PRESETS[LANDING_PRESET] ? [LANDING_PRESET] : []), ...Object.keys(PRESETS).filter((p) => p !== LANDING_PRESET)];
  let best: { preset: string; overrides: Overrides } | null = null;
  for (const preset of candidates) {
    const base = baseConfig(preset);
    const overrides: Overrides = {};
    for (const key of CONFIG_KEYS) {
      if (config[key] !== base[key]) overrides[key] = typeof config[key] === 'boolean' ? (config[key] as boolean) : String(config[key]);
    }
    if (!best || Object.keys(overrides).length < Object.keys(best.overrides).length) best = { preset, overrides };
  }
  return best!;
}

/** Set one field; an edit equal to the preset/default value removes the override. */
export function withOverride(preset: string, overrides: Overrides, key: ConfigKey, raw: RawValue): Overrides {
  const next = { ...overrides };
  const base = baseConfig(preset)[key];
  const same = typeof raw === 'boolean' ? raw === base : raw === String(base);
  if (same) delete next[key];
  else next[key] = raw;
  return next;
}

/**
 * A link decodeShare refused for its values (its payload reads, but the schema rejects some of
 * them): the link's setup as the form's raw edits over the defaults, so each invalid value stays in
 * its field with its reason and no value of the link is lost (the address bar keeps the link while
 * the form is invalid). Null when the payload cannot be read at all. Unknown keys are named, as decodeShare does.
 */
export function setupOfRefusedLink(params: string): { overrides: Overrides; ignored: string[] } | null {
  const payload = new URLSearchParams(params.trim().replace(/^[?#]/, '')).get('c');
  if (!payload || payload.length > MAX_SHARE_PAYLOAD) return null;
  let value: unknown;
  try {
    value = JSON.parse(lzString.decompressFromEncodedURIComponent(payload) ?? '');
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const overrides: Overrides = {};
  const ignored: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) ignored.push(key);
    else overrides[key as ConfigKey] = typeof v === 'boolean' || typeof v === 'string' ? v : JSON.stringify(v);
  }
  return { overrides, ignored };
}
