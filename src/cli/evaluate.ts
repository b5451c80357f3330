/**
 * Evaluate agents on the task suite, on the test split by default.
 *
 *   npm run evaluate -- --agent oracle --task 20q --persona noisy
 *   npm run evaluate -- --agent all --task all --persona all          (the full baseline table)
 *   npm run evaluate -- --agent oracle --task intent --show 1         (print example dialogues)
 *
 * Agents come from `AgentSource`s: the scripted baselines of every family here; a trained policy
 * (`--run DIR`) plugs in as one more source whose `forTask` returns a batched agent.
 */
import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveConfig, type Config } from '../engine/config';
import { importPolicy } from '../engine/policy/checkpoint';
import { policyBatchAgent } from '../engine/rl/policy-agent';
import { RUN_FORMAT } from '../engine/run';
import { nodeBackend, nodeTokenizer, quietTfjsBanner } from './node-env';
import { BASELINE_AGENTS, evaluateAgent, scriptedBatchAgent, type BatchAgent, type EvaluateOptions, type EvaluateResult } from '../engine/baselines';
import { getTask, TASK_IDS } from '../engine/tasks';
import type { EpisodeOptions, Split } from '../engine/tasks/types';
import { PERSONA_IDS } from '../engine/users';

/** Where actions come from: a scripted baseline, or a trained policy. */
export interface AgentSource {
  name: string;
  /** The batched agent playing one (task, split, seed) evaluation. */
  forTask(task: string, run: { seed: number; split: Split }): BatchAgent | Promise<BatchAgent>;
}

/** A scripted baseline of every family (act-now, ask-all, random, oracle, demo). */
export function scriptedSource(agent: string): AgentSource {
  return { name: agent, forTask: (task, { seed, split }) => scriptedBatchAgent(task, agent, seed, split) };
}

export interface GridOptions {
  sources: AgentSource[];
  tasks: string[];
  personas: string[];
  episodes: number;
  seed: number;
  split: Split;
  noise: number;
  maxTurns?: number;
  simulator?: Partial<EpisodeOptions>;
  keepDialogues?: boolean;
  batchSize?: number;
  onResult?: (r: EvaluateResult) => void;
}

/** Evaluate every source on every task with every persona (same instances and users for all sources). */
export async function evaluateGrid(g: GridOptions): Promise<EvaluateResult[]> {
  const out: EvaluateResult[] = [];
  for (const task of g.tasks)
    for (const source of g.sources)
      for (const persona of g.personas) {
        const opts: EvaluateOptions = { task, persona, noise: g.noise, episodes: g.episodes, seed: g.seed, split: g.split, maxTurns: g.maxTurns, simulator: g.simulator, keepDialogues: g.keepDialogues };
        const act = await source.forTask(task, { seed: g.seed, split: g.split });
        const r = await evaluateAgent({ ...opts, agentName: source.name, act, batchSize: g.batchSize });
        g.onResult?.(r);
        out.push(r);
      }
  return out;
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Markdown tables: one persona -> success, return, turns, tokens; several -> success and return per persona. */
export function formatResults(results: EvaluateResult[]): string {
  const personas = [...new Set(results.map((r) => r.persona))];
  const keys = [...new Set(results.map((r) => `${r.task}\u0000${r.agent}`))];
  const find = (key: string, persona: string) => results.find((r) => `${r.task}\u0000${r.agent}` === key && r.persona === persona);
  if (personas.length === 1) {
    return table(
      ['task', 'agent', 'success', 'return', 'turns', 'max tokens'],
      keys.map((k) => {
        const r = find(k, personas[0])!;
        return [r.task, r.agent, fmt(r.success), fmt(r.return), fmt(r.turns, 1), String(r.maxTokens)];
      }),
    );
  }
  const by = (metric: 'success' | 'return') =>
    table(
      ['task', 'agent', ...personas],
      keys.map((k) => {
        const [task, agent] = k.split('\u0000');
        return [task, agent, ...personas.map((p) => (find(k, p) ? fmt(find(k, p)![metric]) : '-'))];
      }),
    );
  return `Success (test split) per persona\n\n${by('success')}\n\nReturn R per persona\n\n${by('return')}`;
}

/** A dialogue as text, for --show and the docs. */
export function formatDialogue(r: EvaluateResult, index: number): string {
  const rec = r.records[index];
  const lines = [`[${rec.instanceId}] agent ${r.agent}, persona ${r.persona}: success ${rec.success}, reward ${fmt(rec.reward)}, return ${fmt(rec.return)}`, `  user  : ${rec.request}`];
  rec.exchanges?.forEach((e, i) => {
    const reward = rec.stepRewards && rec.stepRewards[i] !== 0 ? `   (step reward ${fmt(rec.stepRewards[i])})` : '';
    lines.push(`  agent : ${e.action}${reward}`);
    lines.push(`  ${(rec.roles?.[i] ?? 'user').padEnd(6)}: ${e.feedback}`);
  });
  return lines.join('\n');
}

/** A trained run (`npm run experiment -- --out DIR`) as an agent source: its policy, decoded greedily. */
export async function runSource(dir: string): Promise<{ source: AgentSource; config: Config }> {
  const need = (f: string) => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new Error(`--run ${dir}: ${f} is missing (expected the output folder of npm run experiment)`);
    return p;
  };
  const record = JSON.parse(readFileSync(need('run.json'), 'utf8'));
  if (record?.format !== RUN_FORMAT) throw new Error(`--run ${dir}: run.json has format ${JSON.stringify(record?.format)}, expected "${RUN_FORMAT}"`);
  const config = resolveConfig(record.config);
  const tokenizer = await nodeTokenizer();
  const weights = readFileSync(need('weights.bin'));
  const policy = importPolicy(readFileSync(need('model.json'), 'utf8'), weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength), tokenizer.vocabSize);
  const act = policyBatchAgent(policy, tokenizer, config);
  return { source: { name: `${basename(dir)} [${config.method}, trained with ${config.persona}]`, forTask: () => act }, config };
}

const list = (value: string, all: readonly string[], what: string): string[] => {
  const items = value === 'all' ? [...all] : value.split(',').map((s) => s.trim());
  for (const x of items) if (!all.includes(x)) throw new Error(`Unknown ${what} "${x}". Known: ${all.join(', ')}, all`);
  return items;
};

export function buildProgram(): Command {
  return new Command('evaluate')
    .description('Evaluate agents (scripted baselines) on the task suite: success, return R and turns.')
    .option('--run <dirs>', 'trained run folder(s) (npm run experiment -- --out DIR), comma-separated: evaluate their policies; several runs trained with different personas give the train-persona x test-persona matrix')
    .option('--agent <names>', `agent(s): ${BASELINE_AGENTS.join(', ')}, comma-separated, or all (default: all, or none with --run)`, 'all')
    .option('--task <ids>', `task(s): ${TASK_IDS.join(', ')}, comma-separated, or all`, 'all')
    .option('--persona <ids>', `user persona(s): ${PERSONA_IDS.join(', ')}, comma-separated, or all`, 'cooperative')
    .option('--episodes <n>', 'episodes per (task, agent, persona)', (v) => parseInt(v, 10), 200)
    .option('--seed <n>', 'seed of the evaluation streams', (v) => parseInt(v, 10), 1)
    .addOption(new Option('--split <split>', 'instance split').choices(['train', 'test']).default('test'))
    .option('--noise <p>', 'probability that the noisy persona answers wrongly', parseFloat, 0.2)
    .option('--max-turns <n>', "turn budget (default: each family's own)", (v) => parseInt(v, 10))
    .addOption(new Option('--wrong-guess <mode>', '20 questions: a wrong guess ends the episode or costs a turn').choices(['end', 'turn']).default('end'))
    .option('--implicit-rate <p>', 'travel: probability that a cooperative user states a preference implicitly', parseFloat, 0.3)
    .option('--show <n>', 'print the first n dialogues of each evaluation', (v) => parseInt(v, 10), 0)
    .option('--json', 'print the results as JSON (means and per-episode records)', false);
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const o = program.opts<{ run?: string; agent: string; task: string; persona: string; episodes: number; seed: number; split: Split; noise: number; maxTurns?: number; wrongGuess: 'end' | 'turn'; implicitRate: number; show: number; json: boolean }>();
  const runs: AgentSource[] = [];
  let runTasks: string[] = [];
  const fromDefault = (key: string) => program.getOptionValueSource(key) === 'default' || program.getOptionValueSource(key) === undefined;
  if (o.run) {
    quietTfjsBanner();
    await nodeBackend('wasm');
    for (const dir of o.run.split(',').map((d) => d.trim())) {
      const { source, config } = await runSource(dir);
      runs.push(source);
      runTasks = [...new Set([...runTasks, ...config.task.split(',')])];
      // Unless given, the user simulator is the one the (first) run was trained with.
      if (runs.length === 1) {
        if (fromDefault('maxTurns') && config.maxTurns) o.maxTurns = config.maxTurns;
        if (fromDefault('noise')) o.noise = config.noise;
        if (fromDefault('wrongGuess')) o.wrongGuess = config.wrongGuess;
        if (fromDefault('implicitRate')) o.implicitRate = config.implicitRate;
      }
    }
  }
  const tasks = o.run && program.getOptionValueSource('task') === 'default' ? runTasks : list(o.task, TASK_IDS, 'task');
  const agents = o.run && program.getOptionValueSource('agent') === 'default' ? [] : list(o.agent, BASELINE_AGENTS, 'agent');
  const personas = list(o.persona, PERSONA_IDS, 'persona');
  for (const t of tasks) getTask(t);
  const results = await evaluateGrid({
    sources: [...runs, ...agents.map(scriptedSource)],
    tasks,
    personas,
    episodes: o.episodes,
    seed: o.seed,
    split: o.split,
    noise: o.noise,
    maxTurns: o.maxTurns,
    simulator: { wrongGuess: o.wrongGuess, implicitRate: o.implicitRate },
    keepDialogues: o.show > 0 || o.json,
  });
  if (o.json) {
    console.log(JSON.stringify(results, null, 1));
    return;
  }
  if (o.show > 0) for (const r of results) for (let i = 0; i < Math.min(o.show, r.records.length); i++) console.log(formatDialogue(r, i) + '\n');
  console.log(`${o.episodes} episodes per cell, ${o.split} split, seed ${o.seed}, noise ${o.noise}${o.maxTurns ? `, max turns ${o.maxTurns}` : ", each family's turn budget"}\n`);
  console.log(formatResults(results));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv).catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
