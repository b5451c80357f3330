/**
 * `npm run replicate -- --compare-levers DIR,...`: replications that changed one knob (a lever,
 * `--set key=value`) against a base replication of the same task, method and seeds, from their
 * results.json files: final test success and the lever's per-seed difference from the base's
 * method and from every other method of the base, with 95% bootstrap intervals (docs/replicate.md).
 */
import { BOOTSTRAP_SEED, pairedDifference, type Estimate } from './stats';
import type { Results } from './replicate-analysis';

export interface LeverRow {
  /** The lever's name (its folder's, without `lever-`), or null for the base itself. */
  lever: string | null;
  seeds: number;
  success: number;
  /** Against the base's runs of each method (the lever's own method first), paired by seed; null for the base against itself. */
  minus: (Estimate | null)[];
}

export interface LeverComparison {
  task: string;
  method: string;
  base: string;
  /** The base's methods in the order of `LeverRow.minus`: the compared method first. */
  against: string[];
  rows: LeverRow[];
}

/** Final test success per seed of one task and method of a replication; throws naming what is absent. */
function finalSuccess(results: Results, task: string, method: string, what: string): Map<number, number> {
  const m = results.tasks[task]?.[method] as { test_success?: { per_seed: Record<string, number> } } | undefined;
  if (!m?.test_success) throw new Error(`${what}: no ${task} / ${method} in its results.json (tasks: ${Object.keys(results.tasks).join(', ') || 'none'}; methods: ${results.methods.join(', ')})`);
  return new Map(Object.entries(m.test_success.per_seed).map(([s, v]) => [Number(s), v]));
}

const meanOf = (m: Map<number, number>) => [...m.values()].reduce((a, v) => a + v, 0) / m.size;

export function compareLevers(base: { name: string; results: Results }, levers: { name: string; results: Results }[], task: string, method: string): LeverComparison {
  const against = [method, ...base.results.methods.filter((m) => m !== method)];
  const bases = against.map((m) => finalSuccess(base.results, task, m, base.name));
  const row = (lever: string | null, success: Map<number, number>): LeverRow => ({
    lever,
    seeds: success.size,
    success: meanOf(success),
    minus: bases.map((b) => (lever === null && b === bases[0] ? null : pairedDifference(success, b, { seed: BOOTSTRAP_SEED }))),
  });
  return { task, method, base: base.name, against, rows: [row(null, bases[0]), ...levers.map((l) => row(l.name.replace(/^lever-/, ''), finalSuccess(l.results, task, method, l.name)))] };
}

/** The comparison as a Markdown table: one row for the base, one per lever. */
export function renderLevers(c: LeverComparison): string {
  const f = (x: number) => x.toFixed(3);
  const cell = (d: Estimate | null) => (d ? `${d.mean >= 0 ? '+' : ''}${f(d.mean)} [${f(d.ci95[0])}, ${f(d.ci95[1])}]` : '');
  return [
    `| ${c.task}, ${c.method} | final test success | ${c.against.map((m) => `minus ${m} of ${c.base} [95% CI]`).join(' | ')} | seeds |`,
    `|---|---:|${c.against.map(() => '---:|').join('')}---:|`,
    ...c.rows.map((r) => `| ${r.lever ?? '(no lever)'} | ${f(r.success)} | ${r.minus.map(cell).join(' | ')} | ${r.seeds} |`),
  ].join('\n') + '\n';
}
