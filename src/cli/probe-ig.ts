/**
 * npm run probe-ig -- --preset NAME [--set key=value ...] [--run DIR] [--episodes 128] [--seed 1] [--json]
 *
 * The information-gain probe (engine/analysis/ig-probe.ts): does the feedback steer the policy? Loads the
 * policy of a finished run (--run DIR: its model and config) or the checkpoint the config's `init`
 * names, rolls out test episodes, and prints the mean exact and sampled IG per scored turn by
 * (action -> next action) and by what the feedback was, plus the informative / uninformative ratio.
 */
import { probeInfoGain, summariseProbe, type ProbeCell } from '../engine';
import { nodeUserModelLoader } from './node-env';
import { alignedTable, openProbe, probeCommand, runProbe, wholeNumber, type ProbeFlags } from './probe-cli';

function table(cells: readonly ProbeCell[]): string {
  const rows = [['family', 'feedback / transition', 'n', 'exact IG mean', 'sd', 'sampled IG mean', 'sd'], ...cells.map((c) => [c.family, c.key, String(c.n), c.exact_mean.toFixed(4), c.exact_sd.toFixed(4), c.sampled_mean.toFixed(4), c.sampled_sd.toFixed(4)])];
  return alignedTable(rows, 2);
}

async function main(): Promise<void> {
  const program = probeCommand('npm run probe-ig --', 'Mean information gain by transition and feedback type: does the feedback steer the policy?', 'seed of the probe episodes', 'print every scored turn and the summary as JSON')
    .option('--episodes <n>', 'test episodes per task family', wholeNumber(1), 128);
  program.parse();
  const o = program.opts<ProbeFlags & { episodes: number }>();
  const probe = await openProbe(o);
  if (!probe) return;
  const { config, policy, source, tokenizer } = probe;
  // The users of the probe are the evaluation's: evalUserModel, else userModel (scripted by default).
  const userSpec = config.evalUserModel || config.userModel;
  const lmUser = await nodeUserModelLoader(tokenizer)(userSpec);
  const turns = await probeInfoGain(policy, tokenizer, config, { episodes: o.episodes, seed: o.seed, lmUser });
  policy.dispose();
  await lmUser?.dispose();
  const summary = summariseProbe(turns);
  if (o.json) {
    console.log(JSON.stringify({ source, task: config.task, user_model: userSpec, placeholder: config.placeholder, placeholder_mode: config.placeholderMode, episodes: o.episodes, seed: o.seed, summary, turns }, null, 1));
    return;
  }
  console.log(`Information-gain probe: ${source}, task ${config.task}, ${o.episodes} sampled test episodes per family (seed ${o.seed}), placeholder "${config.placeholder}" (${config.placeholderMode}), users' replies by ${userSpec === 'scripted' ? 'the scripted persona' : `the LM user ${userSpec}`}.\n`);
  console.log('By transition (action -> next action):\n' + table(summary.byTransition) + '\n');
  console.log('By feedback:\n' + table(summary.byFeedback) + '\n');
  for (const [family, r] of Object.entries(summary.ratio)) {
    const f = (c: ProbeCell | null) => (c ? `${c.exact_mean.toFixed(4)} (n=${c.n})` : 'none');
    console.log(`${family}: informative feedback ${f(r.informative)} vs uninformative ${f(r.uninformative)}: ratio ${r.ratio === null ? '-' : r.ratio.toFixed(1) + 'x'}`);
  }
}

runProbe('probe-ig', main);
