/**
 * npm run probe-regime -- --preset NAME [--set key=value ...] [--run DIR] [--groups 128] [--seed 1] [--json]
 *
 * The regime probe (engine/analysis/regime.ts): is this policy in the paper's regime, where most GRPO
 * groups are tied? Loads the policy of a finished run (--run DIR) or the checkpoint the config's
 * `init` names, rolls out `groups` training instances x G episodes with the training sampler, and
 * prints success, the tied share (failures / successes) and the share equally hard instances would
 * give, overall and by the family's difficulty label.
 */
import { Option } from 'commander';
import { probeRegime, type RegimeReport, type Split } from '../engine';
import { alignedTable, openProbe, probeCommand, runProbe, wholeNumber, type ProbeFlags } from './probe-cli';

export function formatRegime(r: RegimeReport): string {
  const rows = [
    ['family', 'instances', 'groups', 'success', 'tied', 'tied failures', 'tied successes', 'tied if alike'],
    ...r.cells.map((c) => [c.family, c.difficulty, String(c.groups), c.success.toFixed(3), c.tied.toFixed(3), c.tiedFailures.toFixed(3), c.tiedSuccesses.toFixed(3), c.tiedIfAlike.toFixed(3)]),
  ];
  return alignedTable(rows, 2);
}

async function main(): Promise<void> {
  const program = probeCommand('npm run probe-regime --', "Success and tied GRPO groups of a policy at G = groupSize: is it in the paper's regime?", 'seed of the instances, users and sampling', 'print the report as JSON')
    .option('--groups <n>', 'instances (groups of G rollouts) per task family', wholeNumber(1), 256)
    .addOption(new Option('--split <name>', 'train (the instances RL draws) or test').choices(['train', 'test']).default('train'));
  program.parse();
  const o = program.opts<ProbeFlags & { groups: number; split: Split }>();
  const probe = await openProbe(o);
  if (!probe) return;
  const { config, policy, source, tokenizer } = probe;
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

runProbe('probe-regime', main);
