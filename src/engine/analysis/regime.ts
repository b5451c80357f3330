/**
 * The regime probe: is a policy in the paper's regime (docs/infopo.md §6), where most GRPO groups are
 * tied and plain GRPO has no signal? Draws `groups` training instances, rolls out G = groupSize
 * episodes of each with the training sampler (temperature, top-k, top-p of the config), and reports
 * the success rate, the share of tied groups (all G outcomes alike: all failed or all succeeded),
 * and the share a task of equally hard instances would have at that success rate, p^G + (1 - p)^G.
 * Ties above that curve mean instances of uneven difficulty (some almost always solved, others
 * almost never); with G = 5 a success rate of 0.2-0.6 can only come with half of the groups tied
 * that way. A family that names its instances' difficulty (`family.difficulty`) is also broken
 * down by it, and a warm start of uneven skill (`demoSlipByArea`) by the slip of each area.
 */
import { episodeOptions, trainingDecoding, type Config } from '../config';
import type { Policy } from '../policy/model';
import { Rng } from '../random';
import { getTask } from '../tasks';
import { slipOf } from '../tasks/common';
import type { Split, TaskInstance } from '../tasks/types';
import type { WordTokenizer } from '../text/tokenizer';
import { generateRollouts, type RolloutRequest } from '../rl/rollout';

export interface RegimeCell {
  /** Family, and its difficulty label ("1 missing") or "all". */
  family: string;
  difficulty: string;
  groups: number;
  /** Mean success over every rollout of these groups. */
  success: number;
  /** Share of groups whose G outcomes are all alike, and the two ways of being tied. */
  tied: number;
  tiedFailures: number;
  tiedSuccesses: number;
  /** p^G + (1 - p)^G at this cell's success p: the tied share of equally hard instances. */
  tiedIfAlike: number;
}

export interface RegimeReport {
  groupSize: number;
  split: Split;
  seed: number;
  /** Every family together, then each family, then each (family, difficulty) the family names. */
  cells: RegimeCell[];
  /** Successes out of G for each group, in draw order (family by family). */
  successesPerGroup: number[];
}

export interface RegimeOptions {
  groups: number;
  seed: number;
  /** Default 'train': the instances RL groups are drawn from. */
  split?: Split;
  /** Episodes decoded together. */
  batchSize?: number;
}

/** p^G + (1 - p)^G: the chance that G independent outcomes of success rate p are all alike. */
export const tiedIfAlike = (p: number, g: number): number => (g <= 1 ? 1 : p ** g + (1 - p) ** g);

export function regimeCell(family: string, difficulty: string, counts: readonly number[], g: number): RegimeCell {
  const n = counts.length;
  const success = n ? counts.reduce((a, k) => a + k, 0) / (n * g) : 0;
  const tiedFailures = counts.filter((k) => k === 0).length;
  const tiedSuccesses = counts.filter((k) => k === g).length;
  return { family, difficulty, groups: n, success, tied: n ? (tiedFailures + tiedSuccesses) / n : 0, tiedFailures: n ? tiedFailures / n : 0, tiedSuccesses: n ? tiedSuccesses / n : 0, tiedIfAlike: tiedIfAlike(success, g) };
}

/** Roll out `groups` groups of G episodes per task family and measure how many are tied. */
export async function probeRegime(policy: Policy, tokenizer: WordTokenizer, config: Config, o: RegimeOptions): Promise<RegimeReport> {
  if (!Number.isInteger(o.groups) || o.groups < 1) throw new Error(`probeRegime: groups must be a positive integer, got ${o.groups}`);
  const families = config.task.split(',').map(getTask);
  const split = o.split ?? 'train';
  const g = config.groupSize;
  const root = Rng.derive(o.seed, 'regime');
  const instances = root.fork('instances');
  const options = { ...episodeOptions(config), ...trainingDecoding(config) };
  const plan = families.flatMap((family) => Array.from({ length: o.groups }, () => ({ family, instance: family.sample(instances, split, options) })));
  const requests: RolloutRequest[] = plan.flatMap((p, i) => Array.from({ length: g }, (_, j) => ({ family: p.family, instance: p.instance, group: i, userRng: Rng.derive(o.seed, `regime/user/${i}/${j}`) })));
  const streams = { sampling: root.fork('sampling'), user: root.fork('user') };
  const size = Math.max(g, Math.floor((o.batchSize ?? 64) / g) * g);
  const successes = new Array<number>(plan.length).fill(0);
  for (let start = 0; start < requests.length; start += size) {
    for (const r of await generateRollouts(policy, tokenizer, requests.slice(start, start + size), options, streams)) if (r.success) successes[r.group]++;
  }
  const cells: RegimeCell[] = [];
  if (families.length > 1) cells.push(regimeCell('all', 'all', successes, g));
  for (const family of families) {
    const mine = plan.flatMap((p, i) => (p.family === family ? [{ k: successes[i], instance: p.instance }] : []));
    /** One cell per label of the family's instances, labels in sorted order. */
    const cellsBy = (label: (instance: TaskInstance) => string) => {
      const labelled = mine.map((x) => ({ k: x.k, label: label(x.instance) }));
      for (const l of [...new Set(labelled.map((x) => x.label))].sort()) cells.push(regimeCell(family.id, l, labelled.filter((x) => x.label === l).map((x) => x.k), g));
    };
    cells.push(regimeCell(family.id, 'all', mine.map((x) => x.k), g));
    if (family.difficulty) cellsBy(family.difficulty);
    // With uneven warm-start skill, also by the slip the demonstrator had in each instance's area.
    if (config.demoSlipByArea.trim() !== '' && family.areas) cellsBy((instance) => `demo slip ${slipOf(family, instance, config)}`);
  }
  return { groupSize: g, split, seed: o.seed, cells, successesPerGroup: successes };
}
