/**
 * Final test success by instance difficulty (`family.difficulty`, e.g. intent's "1 missing" /
 * "3 missing") and, for a warm start of uneven skill (`demoSlipByArea`), by the demonstrator's
 * slip in each instance's area ("demo slip 0.9"), paired by seed between methods of a replication:
 *
 *   npm run replicate -- --profile full --tasks paper-intent-tight --out runs/replicate-tight
 *   npx tsx scripts/compare-by-difficulty.ts runs/replicate-tight paper-intent-tight [--groups 256] [--split test] [--seed 2]
 *
 * Each final policy plays the same `groups` instances x G sampled episodes (engine/analysis/regime.ts,
 * the same streams for every run), so the per-seed successes are paired by instance too. Prints a
 * markdown table: mean success per method and difficulty, and each method minus the first with
 * its 95% bootstrap interval over seeds (the report's bootstrap).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { readCheckpointFolder } from '../src/cli/checkpoint-folder';
import { buildConfig } from '../src/cli/config-flags';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from '../src/cli/node-env';
import { pairedDifference, policyFromFiles, probeRegime, ci, sgn, mean } from '../src/engine';

const program = new Command()
  .argument('<dir>', 'output folder of npm run replicate')
  .argument('<task>', 'task preset of the replication (its runs are in DIR/runs/TASK/METHOD-SEED)')
  .option('--groups <n>', 'instances per run', '256')
  .option('--split <name>', 'train or test', 'test')
  .option('--seed <n>', 'seed of the instances, users and sampling', '2');
program.parse();
const [dir, task] = program.args;
const o = program.opts<{ groups: string; split: 'train' | 'test'; seed: string }>();
quietTfjsBanner();
await nodeBackend('wasm');
const tokenizer = await nodeTokenizer();
const runsDir = join(dir, 'runs', task);
const runs = readdirSync(runsDir).map((name) => ({ name, method: name.slice(0, name.lastIndexOf('-')), seed: Number(name.slice(name.lastIndexOf('-') + 1)) }));
const methods = [...new Set(runs.map((r) => r.method))].sort((a, b) => (a === 'infopo' ? -1 : b === 'infopo' ? 1 : a.localeCompare(b)));
// success[method][difficulty] = seed -> success
const success = new Map<string, Map<string, Map<number, number>>>();
for (const run of runs) {
  const folder = join(runsDir, run.name);
  const config = buildConfig({ preset: [], set: [], config: join(folder, 'run.json') });
  const { policy } = policyFromFiles(readCheckpointFolder(folder), tokenizer, folder);
  const report = await probeRegime(policy, tokenizer, config, { groups: Number(o.groups), seed: Number(o.seed), split: o.split });
  policy.dispose();
  for (const c of report.cells) {
    const byDifficulty = success.get(run.method) ?? new Map<string, Map<number, number>>();
    success.set(run.method, byDifficulty);
    const perSeed = byDifficulty.get(c.difficulty) ?? new Map<number, number>();
    byDifficulty.set(c.difficulty, perSeed);
    perSeed.set(run.seed, c.success);
  }
  console.error(`${run.name}: ${report.cells.map((c) => `${c.difficulty} ${c.success.toFixed(3)}`).join(', ')}`);
}
const difficulties = [...success.get(methods[0])!.keys()];
console.log(`${task}: final success by instance, ${o.groups} ${o.split} instances x G sampled episodes per run (seed ${o.seed}), ${success.get(methods[0])!.get('all')!.size} seeds\n`);
console.log(`| instances | ${methods.join(' | ')} | ${methods.slice(1).map((m) => `${methods[0]} − ${m} [95% CI]`).join(' | ')} |`);
console.log(`|---|${methods.map(() => '---:|').join('')}${methods.slice(1).map(() => '---:|').join('')}`);
for (const d of difficulties) {
  const cells = methods.map((m) => mean([...success.get(m)!.get(d)!.values()]).toFixed(3));
  const diffs = methods.slice(1).map((m) => {
    const e = pairedDifference(success.get(methods[0])!.get(d)!, success.get(m)!.get(d)!, { seed: 20260 });
    return `${sgn(e.mean)} ${ci(e, 3, true)}`;
  });
  console.log(`| ${d} | ${cells.join(' | ')} | ${diffs.join(' | ')} |`);
}
