/**
 * Evaluate scripted baselines and trained policies on the test split (engine/evaluation.ts).
 * Every knob comes from the config schema, as in `npm run experiment`:
 *
 *   npm run evaluate -- --set task=20q,intent,code,travel,mastermind           (every baseline, every task)
 *   npm run evaluate -- --preset quick --baseline oracle,demo --personas all   (a preset's simulator, every persona)
 *   npm run evaluate -- --set task=intent --baseline oracle --set evalEpisodes=1 --show 1
 *   npm run evaluate -- --run runs/a,runs/b --personas all                    (trained policies, each with its run's whole config)
 *
 * Episodes per task: evalEpisodes; seed: evalSeed; persona: evalPersona (else persona), or the
 * --personas axis. With --run, the first run's config is the base and --set changes it.
 */
import { Command, Option } from 'commander';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BASELINES, ConfigError, evaluate, evaluationColumn, isUserModelSpec, policyFromFiles, PERSONA_IDS, type Config, type EvaluatedAgent, type Evaluation, type Rollout, type Split } from '../engine';
import { readRunFolder, RunFolderError } from './checkpoint-folder';
import { addConfigOptions, buildConfig, listKeys, type ConfigFlags } from './config-flags';
import { nodeBackend, nodeTokenizer, nodeUserModelLoader, quietTfjsBanner } from './node-env';

const fmt = (x: number, digits = 2): string => x.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Markdown tables, one row per (task, agent): one persona -> success, return, turns, max tokens; several -> success and return per persona. */
export function formatResults(results: Evaluation[]): string {
  // A column per (persona, user simulator); a scripted user is named by its persona alone.
  const column = (r: Evaluation) => evaluationColumn(r.persona, r.user);
  const personas = [...new Set(results.map(column))];
  const tasks = [...new Set(results.flatMap((r) => r.tasks))];
  const agents = [...new Set(results.map((r) => r.agent))];
  const rowKeys = tasks.flatMap((task) => agents.filter((agent) => results.some((r) => r.agent === agent && r.tasks.includes(task))).map((agent) => [task, agent] as const));
  const cell = (task: string, agent: string, persona: string) => results.find((r) => r.agent === agent && column(r) === persona && r.tasks.includes(task))?.perTask[task];
  if (personas.length === 1) {
    return table(
      ['task', 'agent', 'success', 'return', 'turns', 'max tokens'],
      rowKeys.map(([task, agent]) => {
        const m = cell(task, agent, personas[0])!;
        return [task, agent, fmt(m.success), fmt(m.return), fmt(m.turns, 1), String(m.maxTokens)];
      }),
    );
  }
  const by = (metric: 'success' | 'return') =>
    table(
      ['task', 'agent', ...personas],
      rowKeys.map(([task, agent]) => [task, agent, ...personas.map((p) => (cell(task, agent, p) ? fmt(cell(task, agent, p)![metric]) : '-'))]),
    );
  return `Success (test split) per persona\n\n${by('success')}\n\nReturn R per persona\n\n${by('return')}`;
}

/** An episode as text, for --show and the docs. */
export function formatDialogue(r: Evaluation, rollout: Rollout): string {
  const lines = [`[${rollout.instanceId}] agent ${r.agent}, persona ${r.persona}: success ${rollout.success}, reward ${fmt(rollout.finalReward)}, return ${fmt(rollout.outcome)}`, `  user  : ${rollout.request}`];
  for (const t of rollout.dialogue.turns) {
    lines.push(`  agent : ${t.action}${t.stepReward !== 0 ? `   (step reward ${fmt(t.stepReward)})` : ''}`);
    if (t.feedback !== undefined) lines.push(`  ${(t.role ?? 'user').padEnd(6)}: ${t.feedback}`);
  }
  return lines.join('\n');
}

const list = (value: string, all: readonly string[], what: string): string[] => {
  if (value === 'none') return [];
  const items = value === 'all' ? [...all] : value.split(',').map((s) => s.trim());
  for (const x of items) if (!all.includes(x)) throw new ConfigError([`unknown ${what} "${x}" (known: ${all.join(', ')}, all)`]);
  return items;
};

export function buildProgram(): Command {
  return addConfigOptions(new Command('evaluate').name('npm run evaluate --'))
    .description('Evaluate scripted baselines and trained policies (greedy, or sampled at evalTemperature) on the test split: success, return R, turns. Knobs: --preset, --set, --config, as for npm run experiment.')
    .option('--run <dirs>', 'trained run folder(s) (npm run experiment -- --out DIR), comma-separated: evaluate their policies, each under its run\'s whole config (+ --set)')
    .option('--baseline <names>', `scripted baselines: ${BASELINES.join(', ')}, comma-separated, all or none (default: all, or none with --run)`)
    .option('--personas <ids>', `user personas to evaluate with: ${PERSONA_IDS.join(', ')}, comma-separated, or all (default: evalPersona, else persona)`)
    .option('--user-models <specs>', 'who words the users\' replies: scripted, user-lm, a checkpoint folder or a Hub id, comma-separated (default: evalUserModel, else userModel): the simulator-shift axis')
    .addOption(new Option('--split <split>', 'instance split').choices(['train', 'test']).default('test'))
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend for policies').choices(['wasm', 'cpu', 'webgpu']).default('wasm'))
    .option('--show <n>', 'print the first n dialogues of each task and evaluation', (v) => parseInt(v, 10), 0)
    .option('--json', 'print the results as JSON (per-episode outcomes and per-task means)', false)
    .showHelpAfterError();
}

type EvaluateFlags = ConfigFlags & { run?: string; baseline?: string; personas?: string; userModels?: string; split: Split; backend: 'wasm' | 'cpu' | 'webgpu'; show: number; json: boolean };

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const o = program.opts<EvaluateFlags>();
  if (o.listKeys) {
    console.log(listKeys());
    return;
  }
  const dirs = o.run ? o.run.split(',').map((d) => d.trim()) : [];
  const runs = dirs.map((dir) => readRunFolder(dir, `--run ${dir}`));
  // Each run under its own whole config; --set applies to all. Baselines use the first run's (or the flags').
  const configs = runs.map((r) => buildConfig(o, { values: r.record.config, from: `--run ${r.dir}` }));
  const config = configs[0] ?? buildConfig(o);
  const baselines = list(o.baseline ?? (runs.length ? 'none' : 'all'), BASELINES, 'baseline');
  const personas = o.personas ? list(o.personas, PERSONA_IDS, 'persona') : [config.evalPersona || config.persona];
  if (baselines.length + runs.length === 0) throw new ConfigError(['nothing to evaluate: give --baseline or --run']);
  const tokenizer = await nodeTokenizer();
  const agents: { agent: EvaluatedAgent; config: Config }[] = baselines.map((baseline) => ({ agent: { baseline }, config }));
  if (runs.length) {
    quietTfjsBanner();
    await nodeBackend(o.backend);
    runs.forEach((r, i) => {
      const c = configs[i];
      agents.unshift({ agent: { policy: policyFromFiles(r.files, tokenizer, `--run ${r.dir}`).policy, name: `${basename(r.dir)} [${c.method}, trained with ${c.persona}]` }, config: c });
    });
  }
  const userSpecs = o.userModels ? o.userModels.split(',').map((s) => s.trim()) : [config.evalUserModel || config.userModel];
  for (const spec of userSpecs) if (!isUserModelSpec(spec)) throw new ConfigError([`--user-models: "${spec}" is not scripted, user-lm, a checkpoint folder (a path starting with / or ./) or a Hub model id`]);
  const loadUser = nodeUserModelLoader(tokenizer);
  const users = [];
  for (const spec of userSpecs) users.push(await loadUser(spec));
  const results: Evaluation[] = [];
  for (const { agent, config: c } of agents) for (const lmUser of users) for (const persona of personas) results.push(await evaluate(agent, { config: c, tokenizer, persona, split: o.split, lmUser }));
  for (const u of users) await u?.dispose();
  for (const { agent } of agents) if ('policy' in agent) agent.policy.dispose();
  if (o.json) {
    console.log(JSON.stringify(results.map(({ rollouts: _, ...r }) => r), null, 1));
    return;
  }
  if (o.show > 0)
    for (const r of results)
      for (const task of r.tasks)
        r.rollouts
          .filter((ro) => ro.family === task)
          .slice(0, o.show)
          .forEach((ro) => console.log(formatDialogue(r, ro) + '\n'));
  console.log(`${config.evalEpisodes} episodes per cell (evalEpisodes), ${o.split} split, evalSeed ${config.evalSeed}, noise ${config.noise}${config.maxTurns ? `, max turns ${config.maxTurns}` : ", each family's turn budget"}, max context ${config.maxContext}\n`);
  console.log(formatResults(results));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Exit when done: WebGPU in Node holds the event loop open (node-webgpu.ts).
  main(process.argv).then(() => process.exit(process.exitCode ?? 0), (e: Error) => {
    console.error(e.message);
    process.exit(e instanceof ConfigError || e instanceof RunFolderError ? 2 : 1);
  });
}
