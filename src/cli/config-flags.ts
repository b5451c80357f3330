/**
 * The config flags every command-line host shares (experiment, evaluate): --preset, --set,
 * --config and --list-keys, all resolved by the one schema (engine/config.ts).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCheckpointFolder } from './checkpoint-folder';
import { CONFIG_KEYS, ConfigError, configFromPresets, DEFAULT_CONFIG, helpOf, ignoredKeysLine, isCheckpointPath, parseKnobValue, PRESETS, readRunRecord, RUN_FORMAT, type Config } from '../engine';

export interface ConfigFlags {
  preset: string[];
  set: string[];
  config?: string;
  listKeys?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function addConfigOptions(program: Command): Command {
  return program
    .option('--preset <name>', `preset, repeatable, applied in order (${Object.keys(PRESETS).join(', ')})`, collect, [])
    .option('--set <key=value>', 'override one config key, repeatable (see --list-keys)', collect, [])
    .option('--config <file.json>', 'partial config as JSON, or a run.json (its whole config)')
    .option('--list-keys', 'print every config key with its default and help, then exit');
}

/** Every key with its default and help line (`--list-keys`). */
export function listKeys(): string {
  return CONFIG_KEYS.map((k) => `${k} = ${JSON.stringify(DEFAULT_CONFIG[k])}\n    ${helpOf(k)}`).join('\n');
}

/** The values of a --config file: a partial config, or a run.json's resolved config. */
function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError([`--config ${path}: no such file`]);
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`--config ${path}: not valid JSON (${(e as Error).message})`]);
  }
  if ((parsed as { format?: unknown })?.format === RUN_FORMAT) {
    try {
      const { record, ignored } = readRunRecord(text);
      // A record from a newer version: its other keys still apply; say which were left out.
      if (ignored.length) console.error(ignoredKeysLine(ignored, path));
      return record.config;
    } catch (e) {
      throw new ConfigError([`--config ${path}: ${(e as Error).message}`]);
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError([`--config ${path}: expected a JSON object of config keys`]);
  return parsed as Record<string, unknown>;
}

/** The `--set key=value` pairs as config overrides, each value parsed by its key's type. */
export function setOverrides(set: readonly string[]): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const pair of set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError([`--set ${pair}: expected key=value`]);
    const key = pair.slice(0, eq).trim();
    overrides[key] = parseKnobValue(key, pair.slice(eq + 1).trim());
  }
  return overrides;
}

/**
 * Presets in order, then the --config file, then each --set, validated by the schema. `base` (a
 * run's whole config, `evaluate --run`) replaces presets and file: only --set may change it.
 */
export function buildConfig(opts: Pick<ConfigFlags, 'preset' | 'set' | 'config'>, base?: { values: Config; from: string }): Config {
  if (base && (opts.preset.length > 0 || opts.config)) throw new ConfigError([`${base.from} carries its run's whole config: change it with --set, not --preset or --config`]);
  const overrides: Record<string, unknown> = { ...base?.values, ...(opts.config ? readConfigFile(opts.config) : {}), ...setOverrides(opts.set) };
  const config = configFromPresets(opts.preset, overrides);
  if (isCheckpointPath(config.init)) {
    // A path is checked now (not after the backend starts) and recorded absolute, so run.json says which folder.
    const dir = resolve(config.init);
    try {
      readCheckpointFolder(dir);
    } catch (e) {
      throw new ConfigError([`init = ${JSON.stringify(config.init)}: ${(e as Error).message}`]);
    }
    return { ...config, init: dir };
  }
  return config;
}
