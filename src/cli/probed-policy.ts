/**
 * The policy a probe command looks at (probe-ig, probe-regime): a finished run's (--run DIR, with
 * its whole config, changed only by --set) or the checkpoint the config's `init` names.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, policyFromFiles, type Config, type Policy, type WordTokenizer } from '../engine';
import { checkpointFolderOf, readCheckpointFolder } from './checkpoint-folder';
import { buildConfig, type ConfigFlags } from './config-flags';
import { nodePretrained } from './node-env';

export async function probedPolicy(o: ConfigFlags & { run?: string }, tokenizer: WordTokenizer): Promise<{ config: Config; policy: Policy; source: string }> {
  if (o.run) {
    if (!existsSync(join(o.run, 'run.json'))) throw new ConfigError([`--run ${o.run}: run.json is missing (expected the output folder of npm run experiment)`]);
    if (o.preset.length || o.config) throw new ConfigError([`--run ${o.run} carries its run's whole config: change it with --set, not --preset or --config`]);
    const config = buildConfig({ preset: [], set: o.set, config: join(o.run, 'run.json') });
    return { config, policy: policyFromFiles(readCheckpointFolder(o.run), tokenizer, `--run ${o.run}`).policy, source: `the trained policy of ${o.run}` };
  }
  const config = buildConfig(o);
  if (config.init === 'scratch') throw new ConfigError(['init=scratch: a random policy has nothing to probe; use a preset whose init names a checkpoint, --set init=NAME, or --run DIR']);
  return { config, policy: policyFromFiles(await nodePretrained(config.init), tokenizer, `init=${config.init}`).policy, source: `checkpoint ${checkpointFolderOf(config.init)}` };
}
