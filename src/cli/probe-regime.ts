/**
 * npm run probe-regime -- --preset NAME [--set key=value ...] [--run DIR] [--groups 128] [--seed 1] [--json]
 *
 * The regime probe (engine/rl/regime.ts): is this policy in the paper's regime, where most GRPO
 * groups are tied? Loads the policy of a finished run (--run DIR) or the checkpoint the config's
 * `init` names, rolls out `groups` training instances x G episodes with the training sampler, and
 * prints success, the tied share (failures / successes) and the share equally hard instances would
 * give, overall and by the family's difficulty label.
 */
import { Command } from 'commander';
import { ConfigError, probeRegime, type RegimeReport } from '../engine';
import { addConfigOptions, listKeys, type ConfigFlags } from './config-flags';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from './node-env';
import { probedPolicy } from './probed-policy';

export function formatRegime(r: RegimeReport): string {
  const rows = [
    ['family', 'instances', 'groups', 'success', 'tied', 'tied failures', 'tied successes', 'tied if alike'],
    ...r.cells.map((c) => [c.family, c.difficulty, String(c.groups), c.success.toFixed(3), c.tied.toFixed(3), c.tiedFailures.toFixed(3), c.tiedSuccesses.toFixed(3), c.tiedIfAlike.toFixed(3)]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const program = addConfigOptions(new Command().name('npm run probe-regime --'))
    .description("Success and tied GRPO groups of a policy at G = groupSize: is it in the paper's regime?")
    .option('--run <dir>', 'probe the trained policy of a run folder (npm run experiment -- --out DIR), with its config')
    .option('--groups <n>', 'instances (groups of G rollouts) per task family', (v) => parseInt(v, 10), 256)
    .option('--seed <n>', 'seed of the instances, users and sampling', (v) => parseInt(v, 10), 1)
    .option('--split <name>', 'train (the instances RL draws) or test', 'train')
    .option('--backend <name>', 'wasm or cpu', 'wasm')
    .option('--json', 'print the report as JSON', false);
  program.parse();
  const o = program.opts<ConfigFlags & { run?: string; groups: number; seed: number; split: string; backend: 'wasm' | 'cpu'; json: boolean }>();
  if (o.listKeys) {
    console.log(listKeys());
    return;
  }
  if (o.split !== 'train' && o.split !== 'test') throw new ConfigError([`--split ${o.split}: expected train or test`]);
  if (!Number.isInteger(o.groups) || o.groups < 1) throw new ConfigError([`--groups ${o.groups}: expected a positive integer`]);
  quietTfjsBanner();
  await nodeBackend(o.backend);
  const tokenizer = await nodeTokenizer();
  const { config, policy, source } = await probedPolicy(o, tokenizer);
  const report = await probeRegime(policy, tokenizer, config, { groups: o.groups, seed: o.seed, split: o.split });
  policy.dispose();
  if (o.json) {
    console.log(JSON.stringify({ source, task: config.task, ...report }, null, 1));
    return;
  }
  console.log(`Regime probe: ${source}, task ${config.task}, ${o.groups} ${o.split} instances x G = ${report.groupSize} rollouts (temperature ${config.temperature}, seed ${o.seed}).\n`);
  console.log(formatRegime(report));
  console.log("\nThe paper's regime: most groups tied (GRPO's advantage is 0 there). 'tied if alike' = p^G + (1 - p)^G, the share if every instance were equally hard.");
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : `probe-regime: ${(e as Error).message}`);
  process.exit(1);
});
