/**
 * Paired comparison of lever runs against a replication's runs of the same task, method and seeds:
 *
 *   npm run replicate -- --profile quick --tasks paper-20q --methods infopo --personas none --set infoGainEstimator=exact --out runs/lever-infoGainEstimator-exact
 *   npx tsx scripts/compare-levers.ts runs/replicate-quick paper-20q infopo runs/lever-*
 *
 * Prints, per lever folder, final test success and (lever - base) per seed with its 95% bootstrap
 * interval, against the base's runs of the same method and against every other method of the base.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pairedDifference, type Results } from '../src/engine';

const [base, task, method, ...levers] = process.argv.slice(2);
if (!base || !task || !method || !levers.length) {
  console.error('usage: npx tsx scripts/compare-levers.ts BASE_DIR TASK METHOD LEVER_DIR...');
  process.exit(2);
}
const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
const perSeed = (r: Results, m: string, dir: string): Map<number, number> => {
  const t = r.tasks[task]?.[m] as { test_success: { per_seed: Record<string, number> } } | undefined;
  if (!t) throw new Error(`${dir}: no ${task} / ${m} in results.json`);
  return new Map(Object.entries(t.test_success.per_seed).map(([s, v]) => [Number(s), v]));
};
const baseResults = results(base);
const baseMethods = [method, ...baseResults.methods.filter((m) => m !== method)];
const bases = baseMethods.map((m) => perSeed(baseResults, m, base));
const f = (x: number) => x.toFixed(3);
const meanOf = (m: Map<number, number>) => f([...m.values()].reduce((a, v) => a + v, 0) / m.size);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${f(x)}`;
console.log(`| ${task}, ${method} | final test success | ${baseMethods.map((m) => `minus ${m} of ${basename(base)} [95% CI]`).join(' | ')} | seeds |`);
console.log(`|---|---:|${baseMethods.map(() => '---:|').join('')}---:|`);
console.log(`| (no lever) | ${meanOf(bases[0])} | ${baseMethods.map((_, i) => (i === 0 ? '' : (() => { const d = pairedDifference(bases[0], bases[i], { seed: 20260 }); return `${signed(d.mean)} [${f(d.ci95[0])}, ${f(d.ci95[1])}]`; })())).join(' | ')} | ${bases[0].size} |`);
for (const dir of levers) {
  const l = perSeed(results(dir), method, dir);
  const cells = bases.map((b) => { const d = pairedDifference(l, b, { seed: 20260 }); return `${signed(d.mean)} [${f(d.ci95[0])}, ${f(d.ci95[1])}]`; });
  console.log(`| ${basename(dir).replace(/^lever-/, '')} | ${meanOf(l)} | ${cells.join(' | ')} | ${l.size} |`);
}
