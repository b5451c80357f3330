/**
 * What the probe commands share (probe-ig, probe-regime): their common flags, the policy they look
 * at (a finished run's, --run DIR, with its whole config changed only by --set; or the checkpoint
 * the config's `init` names) and their aligned text tables.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, policyFromFiles, type Config, type Policy, type WordTokenizer } from '../engine';
import { checkpointFolderOf, readRunFolder, RunFolderError } from './checkpoint-folder';
import { addConfigOptions, buildConfig, listKeys, type ConfigFlags } from './config-flags';
import { nodeBackend, nodePretrained, nodeTokenizer, quietTfjsBanner } from './node-env';

export type ProbeFlags = ConfigFlags & { run?: string; seed: number; backend: 'wasm' | 'cpu' | 'webgpu'; json: boolean };

/** A flag's value as a whole number of at least `min`; anything else is refused (commander prints one line). */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''}`);
    return Number(value);
  };
}

/**
 * The config flags plus --run, --seed, --backend and --json; the command adds its own after. A
 * flag it cannot read ends the command with one line and exit code 2, before any backend loads.
 */
export function probeCommand(name: string, description: string, seedHelp: string, jsonHelp: string): Command {
  return addConfigOptions(new Command().name(name))
    .description(description)
    .option('--run <dir>', 'probe the trained policy of a run folder (npm run experiment -- --out DIR), with its config')
    .option('--seed <n>', seedHelp, wholeNumber(0), 1)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(['wasm', 'cpu', 'webgpu']).default('wasm'))
    .option('--json', jsonHelp, false)
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
}

/** A probe's entry point: bad input (a config or a run folder it cannot use) is one line and exit 2, anything else exit 1. */
export function runProbe(command: string, main: () => Promise<void>): void {
  // Exit when done: WebGPU in Node holds the event loop open (node-webgpu.ts).
  main().then(() => process.exit(0), (e: unknown) => {
    if (e instanceof ConfigError || e instanceof RunFolderError) {
      console.error(e.message);
      process.exit(2);
    }
    console.error(`${command}: ${(e as Error).message}`);
    process.exit(1);
  });
}

export async function probedPolicy(o: ConfigFlags & { run?: string }, tokenizer: WordTokenizer): Promise<{ config: Config; policy: Policy; source: string }> {
  if (o.run) {
    const what = `--run ${o.run}`;
    const run = readRunFolder(o.run, what);
    const config = buildConfig(o, { values: run.record.config, from: what });
    return { config, policy: policyFromFiles(run.files, tokenizer, what).policy, source: `the trained policy of ${o.run}` };
  }
  const config = buildConfig(o);
  if (config.init === 'scratch') throw new ConfigError(['init=scratch: a random policy has nothing to probe; use a preset whose init names a checkpoint, --set init=NAME, or --run DIR']);
  return { config, policy: policyFromFiles(await nodePretrained(config.init), tokenizer, `init=${config.init}`).policy, source: `checkpoint ${checkpointFolderOf(config.init)}` };
}

/** --list-keys prints and returns null; otherwise the backend, the tokenizer and the probed policy. */
export async function openProbe(o: ProbeFlags): Promise<{ config: Config; policy: Policy; source: string; tokenizer: WordTokenizer } | null> {
  if (o.listKeys) {
    console.log(listKeys());
    return null;
  }
  quietTfjsBanner();
  await nodeBackend(o.backend);
  const tokenizer = await nodeTokenizer();
  return { ...(await probedPolicy(o, tokenizer)), tokenizer };
}

/** Rows as columns padded to their widest cell: the first `left` columns left-aligned, the rest right. */
export function alignedTable(rows: readonly (readonly string[])[], left: number): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((v, i) => (i >= left ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')).join('\n');
}
