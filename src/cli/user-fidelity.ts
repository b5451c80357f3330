/**
 * npm run user-fidelity -- [--user-model user-lm] [--episodes 120] [--seed 1] [--json FILE]
 *
 * How faithful a user simulator is, per family (engine/user-lm/fidelity.ts): the share of its
 * replies that carry the information the scripted cooperative user's reply carries (read by the
 * family's own parser), the share that state something false, the share that leave it out, and how
 * often it words a reply otherwise than the template. docs/users.md reports the shipped model's.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { isUserModelSpec, measureFidelity, SCRIPTED_USER, type FamilyFidelity } from '../engine';
import { nodeBackend, nodeTokenizer, nodeUserModelLoader, quietTfjsBanner } from './node-env';
import { alignedTable, runProbe, wholeNumber } from './probe-cli';

/** The command line that reproduces a fidelity table (written into its JSON and the docs). */
export const fidelityCommand = (o: { userModel: string; episodes: number; seed: number }) => `npm run user-fidelity -- --user-model ${o.userModel} --episodes ${o.episodes} --seed ${o.seed}`;

export function fidelityTable(rows: readonly FamilyFidelity[]): string {
  const pct = (k: number, n: number) => (n ? `${((100 * k) / n).toFixed(1)}%` : '-');
  return alignedTable([['family', 'user turns', 'carries', 'false', 'left out', 'reworded'], ...rows.map((r) => [r.family, String(r.turns), pct(r.carries, r.turns), pct(r.false, r.turns), pct(r.leftOut, r.turns), `${(100 * r.reworded).toFixed(1)}%`])], 2);
}

async function main(): Promise<void> {
  const program = new Command('npm run user-fidelity --')
    .description('Fidelity of a user simulator per family: replies that carry the scripted user\'s information, that state something false, that leave it out.')
    .option('--user-model <spec>', 'user-lm, a checkpoint folder or a Hub model id', (v: string) => {
      if (!isUserModelSpec(v) || v === SCRIPTED_USER) throw new InvalidArgumentError('expected user-lm, a checkpoint folder (a path starting with / or ./) or a Hub model id');
      return v;
    }, 'user-lm')
    .option('--episodes <n>', 'scripted dialogues per family (test split)', wholeNumber(1), 120)
    .option('--seed <n>', 'seed of the dialogues and of the simulator\'s sampling', wholeNumber(0), 1)
    .option('--json <file>', 'also write the figures, with the command, as JSON');
  program.parse();
  const o = program.opts<{ userModel: string; episodes: number; seed: number; json?: string }>();
  quietTfjsBanner();
  await nodeBackend('wasm');
  const tokenizer = await nodeTokenizer();
  const simulator = (await nodeUserModelLoader(tokenizer)(o.userModel))!;
  const rows = await measureFidelity(simulator, tokenizer, { episodes: o.episodes, seed: o.seed });
  await simulator.dispose();
  console.log(`User simulator ${simulator.name}: fidelity against the scripted cooperative user, ${o.episodes} test dialogues per family (seed ${o.seed}).\n`);
  console.log(fidelityTable(rows));
  if (o.json) {
    writeFileSync(o.json, JSON.stringify({ command: fidelityCommand(o), user_model: o.userModel, episodes: o.episodes, seed: o.seed, families: rows }, null, 1) + '\n');
    console.log(`\nwrote ${o.json}`);
  }
}

runProbe('user-fidelity', main);
