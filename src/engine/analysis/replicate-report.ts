/**
 * `report.md` of `npm run replicate`: answers each claim of the paper (docs/infopo.md §6) with the
 * numbers and intervals of a Results object. Every verdict is generated from an interval (never
 * written by hand): an interval that includes zero says "no difference shown".
 */
import { methodResult, type Comparison, type Results, type TaskResult } from './replicate-analysis';
import { signOfInterval, type Estimate } from './stats';

const f = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
export const sgn = (x: number, digits = 3) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}` : '–');
export const ci = (e: { ci95: [number, number] }, digits = 3, signed = false) => `[${(signed ? sgn : f)(e.ci95[0], digits)}, ${(signed ? sgn : f)(e.ci95[1], digits)}]`;
const est = (e: Estimate | undefined, digits = 3) => (e && e.n ? `${f(e.mean, digits)} ${ci(e, digits)}` : '–');

/**
 * One sentence on a paired difference A - B. `unit` names what is measured, `better` says
 * whether larger (success) or smaller (steps) is better for A.
 */
export function verdict(d: Comparison | Estimate | null, what: string, opts: { digits?: number; better?: 'higher' | 'lower'; a?: string; b?: string } = {}): string {
  const { digits = 3, better = 'higher', a = 'InfoPO', b = 'GRPO' } = opts;
  if (!d || !d.n) return `${what}: no paired runs of ${a} and ${b}, nothing to compare.`;
  const range = `${sgn(d.mean, digits)}, 95% interval ${ci(d, digits, true)}, ${d.n} seed${d.n === 1 ? '' : 's'}`;
  if (d.n < 2) return `${what}: ${a} - ${b} = ${range}: one seed gives no interval; no conclusion.`;
  const s = signOfInterval(d.ci95);
  if (s === 0) return `${what}: ${a} - ${b} = ${range}. The interval includes zero: no difference shown.`;
  const aAhead = (s > 0) === (better === 'higher');
  return `${what}: ${a} - ${b} = ${range}. The interval excludes zero: ${aAhead ? `${a} is ahead of ${b}` : `${a} is behind ${b}`}.`;
}

function table(header: string[], rows: string[][], align: 'numbers' | 'text' = 'numbers'): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 || align === 'text' ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const TASK_CLAIM_GAIN = 0.14;

export interface ReportOptions {
  /** Plot files (relative to the report) to link, by title. */
  plots?: { title: string; file: string }[];
}

type TaskEntry = [string, Results['tasks'][string]];

/** A section of the report: its heading, a paragraph on what is measured (when it needs one), its lines. */
function section(heading: string, intro: string | null, lines: string[]): string[] {
  return [`## ${heading}`, '', ...(intro ? [intro, ''] : []), ...lines, ''];
}

/** The report as Markdown. */
export function renderReport(results: Results, options: ReportOptions = {}): string {
  const tasks = Object.entries(results.tasks);
  const L: string[] = [];
  L.push(`# InfoPO vs GRPO in the sandbox: replication report (profile \`${results.profile}\`)`);
  L.push('');
  L.push(`Regenerate with \`${results.command}\` (finished runs are reused). Seeds ${results.seeds.join(', ')} (used only for reported results); methods ${results.methods.join(', ')}; every policy is evaluated ${results.eval_temperature > 0 ? `by sampling at temperature ${results.eval_temperature} (the same sampling stream for every run)` : 'greedily'} on the same ${results.test_episodes} test episodes (test seed ${results.eval_seed}), so differences between methods are paired by seed and by test instance.`);
  L.push(`Intervals are 95% percentile bootstrap intervals over seeds (${results.bootstrap.resamples} resamples, seed ${results.bootstrap.seed}); with ${results.seeds.length} seed${results.seeds.length === 1 ? '' : 's'} they are rough, and a bootstrap over few seeds is narrower than it should be. Verdicts below are generated from the intervals.`);
  if (results.warnings.length) L.push('', `**Warnings:**\n\n${results.warnings.map((w) => `- ${w}`).join('\n')}`);
  if (results.missing.length) L.push('', `**Missing or failed runs** (left out of every number below): ${results.missing.map((m) => `\`${m}\``).join(', ')}.`);
  L.push('');
  L.push(...summary(results), '');
  L.push(...finalSuccess(tasks, results.methods));
  L.push(...learningSpeed(tasks, results.methods));
  L.push(...simulatorShift(tasks, results.methods, results.personas));
  const envTasks = tasks.filter(([, t]) => t.role === 'env');
  L.push(...section('4. Environment-interactive task (paper: InfoPO generalises when the feedback is an observation)', null, envTasks.length ? envTasks.map(([name, t]) => `- ${verdict(t.infopo_minus_grpo, `\`${name}\` (${t.family}, environment feedback) final test success`)}`) : ['No task of this profile is environment-interactive (e.g. mastermind): the claim is not tested here.']));
  L.push(...section('5. Cost (paper: about 1.6x wall clock)', 'Median step time per run, InfoPO over GRPO paired by seed. Runs shared the 2 cores with another run, so this is indicative; `npm run bench` measures the ratio under control.', tasks.map(costLine)));
  L.push(...section('6. Does total information gain per dialogue predict success?', 'Pearson correlation of the summed exact IG of a traced InfoPO dialogue with its success (0/1), pooled over seeds and traced steps; the interval resamples whole groups (dialogues of a group share an instance).', tasks.map(igLine)));
  L.push(...mechanism(tasks, results.methods));
  const byDifficulty = byDifficultyTables(results);
  if (byDifficulty.length) L.push(...section('8. Success by instance difficulty', "The report's final test success is one episode on each test instance (about ±0.03 per run). Here each final policy is re-evaluated on more episodes and broken down by the family's instance labels: its difficulty (`family.difficulty`, e.g. intent's \"1 missing\" / \"3 missing\") and, for a warm start of uneven skill, the demonstrator's slip in each instance's area (\"demo slip 0.9\": where the warm start is bad). Every run meets the same instances, users and sampling, so success is paired by seed and by instance; differences are paired by seed, with 95% bootstrap intervals.", byDifficulty));
  if (options.plots?.length) L.push(...section('Plots', null, options.plots.flatMap((p) => ['', `![${p.title}](${p.file})`]).slice(1)));
  return L.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function finalSuccess(tasks: TaskEntry[], methods: string[]): string[] {
  const L: string[] = [];
  L.push(table(['task', ...methods.map((m) => `${m} start → final [95% CI]`), 'InfoPO − GRPO [95% CI]'], tasks.map(([name, t]) => [`\`${name}\` (${t.family})`, ...methods.map((m) => {
    const r = methodResult(t, m);
    return r ? `${f(r.test_success_start.mean)} → ${est(r.test_success)}` : '–';
  }), t.infopo_minus_grpo ? `${sgn(t.infopo_minus_grpo.mean)} ${ci(t.infopo_minus_grpo, 3, true)}` : '–'])));
  L.push('');
  let ahead = 0;
  let compared = 0;
  for (const [name, t] of tasks) {
    L.push(`- ${verdict(t.infopo_minus_grpo, `\`${name}\` final test success`)}${gainContext(t)}`);
    if (t.infopo_minus_rloo) L.push(`  ${verdict(t.infopo_minus_rloo, 'Against RLOO', { b: 'RLOO' })}`);
    if (t.infopo_minus_grpo && t.infopo_minus_grpo.n >= 2) {
      compared++;
      if (signOfInterval(t.infopo_minus_grpo.ci95) > 0) ahead++;
    }
  }
  L.push('');
  L.push(compared === 0 ? 'No task has InfoPO and GRPO runs on at least two common seeds: the claim is not tested.' : ahead === 0 ? `**Not reproduced:** on none of ${compared} task${compared === 1 ? '' : 's'} does InfoPO's interval lie above GRPO's.` : `InfoPO is ahead with an interval that excludes zero on ${ahead} of ${compared} task${compared === 1 ? '' : 's'}${ahead < compared ? '; on the others the claim is not reproduced' : ''}.`);
  return section('1. Final test success (paper: InfoPO beats GRPO by about 14-16%)', null, L);
}

function learningSpeed(tasks: TaskEntry[], methods: string[]): string[] {
  const L: string[] = [];
  L.push(table(['task', 'method', 'tied groups (first 1/4)', 'if instances were alike', 'gate (first 1/4)', 'train success, first half', "steps to GRPO's final (reached)"], tasks.flatMap(([name, t]) => methods.map((m) => {
    const r = methodResult(t, m);
    if (!r) return [`\`${name}\``, m, '–', '–', '–', '–', '–'];
    const th = r.steps_to_threshold.train;
    return [`\`${name}\``, m, est(r.tied_fraction_early, 2), est(r.tied_fraction_homogeneous_early, 2), est(r.gate_early, 2), est(r.train_success_first_half), `${f(th.censored.mean, 1)} ${ci(th.censored, 1)} (${th.reached}/${Object.keys(th.per_seed).length})`];
  }))));
  L.push('');
  for (const [name, t] of tasks) {
    const grpo = methodResult(t, 'grpo');
    const tied = grpo?.tied_fraction_early;
    const regime = tied && tied.n ? (tied.mean >= 0.5 ? `most early groups are tied (${f(tied.mean, 2)}): the gate's regime` : `only ${f(tied.mean, 2)} of early groups are tied: not the regime the claim is about`) : 'tied-group share unknown';
    const signal = methods
      .map((m) => [m, methodResult(t, m)?.tied_signal] as const)
      .filter(([, x]) => x && x.groups > 0)
      .map(([m, x]) => `${m} ${f(x!.token_share.mean, 2)} of tokens, mean |A| ${f(x!.mean_abs_advantage.mean, 3)}`);
    const tiedText = signal.length ? ` In traced tied groups, action tokens with a non-zero advantage: ${signal.join('; ')}.` : '';
    L.push(`- \`${name}\`: ${regime}.${tiedText} ${verdict(t.early_train_success, 'Train success over the first half')} ${verdict(t.speed_train, "Steps to GRPO's final train success", { digits: 1, better: 'lower' })}${t.speed_test ? ` ${verdict(t.speed_test, "Steps to GRPO's final test success", { digits: 1, better: 'lower' })}` : ''}`);
  }
  return section(
    '2. Learning speed and tied groups (paper: InfoPO learns earlier when most groups are tied)',
    "Steps to GRPO's final level: the first step at which a run's smoothed train success (moving average over a tenth of the steps) reaches GRPO's final mean; a run that never reaches it counts as the last step + 1. Tied groups: the share of groups whose outcomes are all equal (GRPO's advantage is 0 there), over the first quarter of the steps; beside it, the share to expect if every instance were equally hard (p^G + (1 - p)^G at each step's train success p). With G = 5 that is below one half for any p between 0.13 and 0.87, so a task is both mostly tied and 0.2-0.6 successful only when its instances differ in difficulty.",
    L,
  );
}

function simulatorShift(tasks: TaskEntry[], methods: string[], personas: string[]): string[] {
  const heading = '3. Simulator shift (paper: robust when the user simulator changes)';
  const anyPersona = tasks.some(([, t]) => Object.keys(t.persona_shift).length || methods.some((m) => Object.keys(methodResult(t, m)?.personas ?? {}).length));
  if (!anyPersona) return section(heading, null, ['No persona-shift evaluation in these runs: the claim is not tested.']);
  const L: string[] = [];
  L.push(table(['task', 'method', ...personas], tasks.flatMap(([name, t]) => methods.map((m) => [`\`${name}\``, m, ...personas.map((p) => est(methodResult(t, m)?.personas[p], 2))]))));
  L.push('');
  for (const [name, t] of tasks)
    for (const p of personas) {
      if (t.persona_shift[p]) L.push(`- ${verdict(t.persona_shift[p], `\`${name}\`, tested with the ${p} persona`)}`);
      if (t.persona_drop[p]) L.push(`  ${verdict(t.persona_drop[p], `Drop in success from ${t.train_persona} (training) to ${p}`, { better: 'lower' })}`);
    }
  return section(heading, "Each final policy (trained with its preset's persona) is evaluated on every test persona on the same paired episodes. Test success, mean over seeds [95% CI]:", L);
}

/** Per task re-evaluated by difficulty: one line on the protocol and a table of success per label and method, with the paired differences. */
function byDifficultyTables(results: Results): string[] {
  return Object.entries(results.tasks).flatMap(([name, t]) => {
    const d = t.by_difficulty;
    if (!d) return [];
    const others = Object.keys(d.difference[d.labels[0]] ?? {});
    const methods = [d.reference, ...others.map((k) => k.slice(d.reference.length + '_minus_'.length))];
    const seeds = Math.max(...Object.values(d.success[d.labels[0]] ?? {}).map((e) => e.n));
    return [
      `${name}: final success by instance, ${d.groups} ${d.split} instances x G sampled episodes per run (seed ${d.seed}), ${seeds} seeds`,
      '',
      `| instances | ${methods.join(' | ')} | ${others.map((k) => `${k.replace('_minus_', ' − ')} [95% CI]`).join(' | ')} |`,
      `|---|${methods.map(() => '---:|').join('')}${others.map(() => '---:|').join('')}`,
      ...d.labels.map((label) => `| ${label} | ${methods.map((m) => (d.success[label][m] ? d.success[label][m].mean.toFixed(3) : '–')).join(' | ')} | ${others.map((k) => (d.difference[label][k] ? `${sgn(d.difference[label][k].mean)} ${ci(d.difference[label][k], 3, true)}` : '–')).join(' | ')} |`),
      '',
    ];
  });
}

/** `by-difficulty.md` of `npm run replicate -- --by-difficulty`: the report's section 8 on its own (empty when no task was re-evaluated). */
export function renderByDifficulty(results: Results): string {
  return byDifficultyTables(results).join('\n').trimEnd() + '\n';
}

function costLine([name, t]: TaskEntry): string {
  const c = t.cost_ratio;
  if (!c || !c.n) return `- \`${name}\`: no paired InfoPO and GRPO step times.`;
  const rel = c.ci95[1] < 1.6 ? "below the paper's 1.6x" : c.ci95[0] > 1.6 ? "above the paper's 1.6x" : "consistent with the paper's 1.6x";
  return `- \`${name}\`: InfoPO step / GRPO step = ${f(c.mean, 2)}x, 95% interval [${f(c.ci95[0], 2)}, ${f(c.ci95[1], 2)}] (${c.n} seeds): ${rel}.`;
}

function igLine([name, t]: TaskEntry): string {
  const c = t.ig_success;
  if (!c) return `- \`${name}\`: no traced InfoPO dialogues.`;
  if (!Number.isFinite(c.r)) return `- \`${name}\`: correlation undefined (IG or success constant over ${c.n} dialogues).`;
  const s = signOfInterval(c.ci95);
  return `- \`${name}\`: r = ${f(c.r)}, 95% interval ${ci(c, 3, true)} (${c.n} dialogues in ${c.clusters} groups): ${s === 0 ? 'the interval includes zero: no relation shown' : s > 0 ? 'dialogues with more information gain succeed more often' : 'dialogues with more information gain succeed less often'}.`;
}

function mechanism(tasks: TaskEntry[], methods: string[]): string[] {
  const L: string[] = [];
  L.push(table(['task', 'method', 'questions classified', 'uninformative share, first 1/4', 'last 1/4', 'change', 'tied groups: mean advantage, informative', 'uninformative', 'gap'], tasks.flatMap(([name, t]) => methods.map((m) => {
    const r = methodResult(t, m)?.mechanism;
    if (!r) return [`\`${name}\``, m, '–', '–', '–', '–', '–', '–', '–'];
    return [`\`${name}\``, m, String(r.questions), est(r.uninformative_early, 2), est(r.uninformative_late, 2), `${sgn(r.uninformative_change.mean)} ${ci(r.uninformative_change, 3, true)}`, est(r.tied_credit_informative, 3), est(r.tied_credit_uninformative, 3), `${sgn(r.tied_credit_gap.mean)} ${ci(r.tied_credit_gap, 3, true)}`];
  }))));
  L.push('');
  for (const [name, t] of tasks) {
    const info = methodResult(t, 'infopo')?.mechanism.tied_credit_gap;
    const credit = info && info.n >= 2 ? (signOfInterval(info.ci95) > 0 ? 'in tied groups InfoPO credits questions with informative feedback above the others' : signOfInterval(info.ci95) < 0 ? 'in tied groups InfoPO credits questions with uninformative feedback above the informative ones' : "in tied groups InfoPO's credit does not separate informative from uninformative questions") : 'too few tied InfoPO groups to tell what its credit rewards';
    L.push(`- \`${name}\`: ${credit}${info && info.n >= 2 ? ` (gap ${sgn(info.mean)} ${ci(info, 3, true)})` : ''}. ${verdict(t.uninformative_change, 'Change in the share of uninformative questions', { better: 'lower' })}`);
  }
  return section(
    '7. Mechanism: what InfoPO credits where the outcome is tied, and whether asking changes',
    "Every question of the traced training rollouts (every turn but a dialogue's last) is classified by its feedback with the family's `describeFeedback`: informative when it changed what the agent can know (an answer that rules items out, a detail not known yet, a narrowing example), uninformative otherwise (an implied answer, a detail already known, \"i do not mind\"). In tied groups GRPO's advantage is 0, so whatever InfoPO gives there is its information term. If the idea works, InfoPO credits informative questions above uninformative ones there, and its policies stop asking uninformative questions sooner than GRPO's.",
    L,
  );
}

function gainContext(t: TaskResult & { infopo_minus_grpo: Comparison | null }): string {
  const d = t.infopo_minus_grpo;
  const grpo = methodResult(t, 'grpo');
  if (!d || d.n < 2 || !grpo) return '';
  const rel = grpo.test_success.mean > 0 ? ` Relative to GRPO's final ${f(grpo.test_success.mean)}: ${sgn((100 * d.mean) / grpo.test_success.mean, 1)}%.` : '';
  const reach = d.ci95[1] < TASK_CLAIM_GAIN ? ` A gain of ${TASK_CLAIM_GAIN} in success lies above the interval.` : '';
  return rel + reach;
}

/** One line per claim: on how many tasks (or cells) the interval puts InfoPO ahead, behind, or shows nothing. */
function summary(results: Results): string[] {
  const tasks = Object.values(results.tasks);
  const count = (items: (Comparison | null | undefined)[], unit: string, better: 'higher' | 'lower' = 'higher') => {
    const tested = items.filter((d): d is Comparison => !!d && d.n >= 2 && Number.isFinite(d.ci95[0]));
    const good = better === 'higher' ? 1 : -1;
    const ahead = tested.filter((d) => signOfInterval(d.ci95) === good).length;
    const behind = tested.filter((d) => signOfInterval(d.ci95) === -good).length;
    return tested.length ? `InfoPO ahead on ${ahead}, behind on ${behind}, no difference shown on ${tested.length - ahead - behind} (of ${tested.length}) ${unit}` : 'not tested (needs InfoPO and GRPO on at least two common seeds)';
  };
  const ratios = tasks.map((t) => t.cost_ratio).filter((c): c is Comparison => !!c && c.n > 0);
  const ig = tasks.map((t) => t.ig_success).filter((c) => !!c && Number.isFinite(c.r));
  const env = tasks.filter((t) => t.role === 'env');
  return [
    '## Summary (generated from the intervals below)',
    '',
    table(
      ['claim (docs/infopo.md §6)', 'this replication'],
      [
        ['higher final success than GRPO', count(tasks.map((t) => t.infopo_minus_grpo), 'tasks')],
        ["learns earlier (steps to GRPO's final train success)", count(tasks.map((t) => t.speed_train), 'tasks', 'lower')],
        ['robust to the user simulator (success per test persona)', count(tasks.flatMap((t) => Object.values(t.persona_shift)), 'task x persona cells')],
        ['environment-interactive tasks', env.length ? count(env.map((t) => t.infopo_minus_grpo), 'environment tasks') : 'not tested (no environment task in the profile)'],
        ['about 1.6x wall clock', ratios.length ? ratios.map((c) => `${f(c.mean, 2)}x`).join(', ') + ' (InfoPO step / GRPO step, per task)' : 'not measured'],
        ['mechanism: InfoPO cuts uninformative questions faster (change of their share, first to last quarter)', count(tasks.map((t) => t.uninformative_change), 'tasks', 'lower')],
        ['IG per dialogue predicts success', ig.length ? `positive on ${ig.filter((c) => signOfInterval(c!.ci95) > 0).length} of ${ig.length} tasks (interval above zero)` : 'not measured'],
      ],
      'text',
    ),
  ];
}
