/**
 * npm run probe-ig -- --preset NAME [--set key=value ...] [--run DIR] [--episodes 128] [--seed 1] [--json]
 *
 * The information-gain probe (engine/rl/probe.ts): does the feedback steer the policy? Loads the
 * policy of a finished run (--run DIR: its model and config) or the checkpoint the config's `init`
 * names, rolls out test episodes, and prints the mean exact and sampled IG per scored turn by
 * (action -> next action) and by what the feedback was, plus the informative / uninformative ratio.
 */
import { Command } from 'commander';
import { ConfigError, probeInfoGain, summariseProbe, type ProbeCell } from '../engine';
import { addConfigOptions, listKeys, type ConfigFlags } from './config-flags';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from './node-env';
import { probedPolicy } from './probed-policy';

function table(cells: readonly ProbeCell[]): string {
  const rows = [['family', 'feedback / transition', 'n', 'exact IG mean', 'sd', 'sampled IG mean', 'sd'], ...cells.map((c) => [c.family, c.key, String(c.n), c.exact_mean.toFixed(4), c.exact_sd.toFixed(4), c.sampled_mean.toFixed(4), c.sampled_sd.toFixed(4)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((v, i) => (i >= 2 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const program = addConfigOptions(new Command().name('npm run probe-ig --'))
    .description('Mean information gain by transition and feedback type: does the feedback steer the policy?')
    .option('--run <dir>', 'probe the trained policy of a run folder (npm run experiment -- --out DIR), with its config')
    .option('--episodes <n>', 'test episodes per task family', (v) => parseInt(v, 10), 128)
    .option('--seed <n>', 'seed of the probe episodes', (v) => parseInt(v, 10), 1)
    .option('--backend <name>', 'wasm or cpu', 'wasm')
    .option('--json', 'print every scored turn and the summary as JSON', false);
  program.parse();
  const o = program.opts<ConfigFlags & { run?: string; episodes: number; seed: number; backend: 'wasm' | 'cpu'; json: boolean }>();
  if (o.listKeys) {
    console.log(listKeys());
    return;
  }
  quietTfjsBanner();
  await nodeBackend(o.backend);
  const tokenizer = await nodeTokenizer();
  const { config, policy, source } = await probedPolicy(o, tokenizer);
  const turns = await probeInfoGain(policy, tokenizer, config, { episodes: o.episodes, seed: o.seed });
  policy.dispose();
  const summary = summariseProbe(turns);
  if (o.json) {
    console.log(JSON.stringify({ source, task: config.task, placeholder: config.placeholder, placeholder_mode: config.placeholderMode, episodes: o.episodes, seed: o.seed, summary, turns }, null, 1));
    return;
  }
  console.log(`Information-gain probe: ${source}, task ${config.task}, ${o.episodes} sampled test episodes per family (seed ${o.seed}), placeholder "${config.placeholder}" (${config.placeholderMode}).\n`);
  console.log('By transition (action -> next action):\n' + table(summary.byTransition) + '\n');
  console.log('By feedback:\n' + table(summary.byFeedback) + '\n');
  for (const [family, r] of Object.entries(summary.ratio)) {
    const f = (c: ProbeCell | null) => (c ? `${c.exact_mean.toFixed(4)} (n=${c.n})` : 'none');
    console.log(`${family}: informative feedback ${f(r.informative)} vs uninformative ${f(r.uninformative)}: ratio ${r.ratio === null ? '-' : r.ratio.toFixed(1) + 'x'}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : `probe-ig: ${(e as Error).message}`);
  process.exit(1);
});
