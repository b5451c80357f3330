/**
 * npm run export-verl -- --out DIR [--preset NAME] [--set key=value ...] [--config FILE.json] [--train N] [--test N] [--gpus N]
 * Writes DIR/train.parquet, DIR/test.parquet, DIR/config-map.json, DIR/README.md and the gym
 * package DIR/infopo_sandbox_gym/ (with its parity fixtures): the same experiment for the
 * reference trainer (verl) on a GPU cluster. See docs/models.md.
 */
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, PRESETS, gymPackageFiles, verlBatchSizes, verlExportFiles } from '../engine';
import { buildConfig } from './config-flags';
import { nodeTokenizer } from './node-env';
import { verlGymSources } from './verl-gym-sources';

const collect = (value: string, previous: string[]) => [...previous, value];
const count = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError([`${what} ${v}: expected a positive integer`]);
  return n;
};

async function main(): Promise<void> {
  const program = new Command()
    .name('npm run export-verl --')
    .description('Export the task instances and config of a sandbox experiment for the reference trainer (verl + Ray).')
    .requiredOption('--out <dir>', 'output folder')
    .option('--preset <name>', `preset, repeatable (${Object.keys(PRESETS).join(', ')})`, collect, [])
    .option('--set <key=value>', 'override one config key, repeatable', collect, [])
    .option('--config <file.json>', 'partial config as JSON, or a run.json to export its run')
    .option('--train <n>', 'train rows (default: steps x promptsPerStep, the instances the sandbox run meets)')
    .option('--test <n>', 'test rows per task (default: evalEpisodes)')
    .option('--gpus <n>', 'GPUs of the one node the launch command is written for; batch sizes are checked for it', '1')
    .showHelpAfterError();
  program.parse();
  const o = program.opts<{ out: string; preset: string[]; set: string[]; config?: string; train?: string; test?: string; gpus: string }>();
  try {
    const config = buildConfig(o);
    const gpus = count('--gpus')(o.gpus);
    verlBatchSizes(config, gpus); // refuse before the slower fixture episodes are played
    const command = ['npm run export-verl --', ...process.argv.slice(2)].join(' ');
    const gym = await gymPackageFiles(config, await nodeTokenizer(), verlGymSources(), { madeBy: command });
    const files = verlExportFiles(config, command, { trainRows: o.train ? count('--train')(o.train) : undefined, testPerTask: o.test ? count('--test')(o.test) : undefined, gpus, gym: gym.files, fixtureEpisodes: gym.episodes });
    const out = resolve(o.out);
    mkdirSync(out, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), bytes);
    }
    console.error(`wrote ${Object.keys(files).filter((f) => !f.includes('/')).join(', ')} and infopo_sandbox_gym/ (${gym.episodes} fixture episodes) to ${out}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(e instanceof ConfigError ? 2 : 1);
  }
}

void main().then(() => process.exit(0));
