import { describe, expect, it } from 'vitest';
import { analyse, BY_DIFFICULTY, type RunData } from './replicate-analysis';
import { renderByDifficulty, renderReport, verdict } from './replicate-report';
import { syntheticRun as synthRun } from '../test-support';

const SEEDS = [1001, 1002, 1003, 1004, 1005];
const reportOf = (runs: RunData[], personas = ['cooperative', 'noisy']) => renderReport(analyse(runs, { profile: 'test', personas, missing: [], resamples: 2000, curveResamples: 200 }));

describe('report.md on synthetic runs', () => {
  it('a clear gain: every section says InfoPO is ahead, from the intervals', () => {
    const report = reportOf(SEEDS.flatMap((s) => [synthRun('infopo', s, 0.3, { personaDrop: 0.05 }), synthRun('grpo', s, 0.1)]));
    expect(report).toContain('`smoke` final test success: InfoPO - GRPO = +0.20');
    expect(report).toContain('The interval excludes zero: InfoPO is ahead of GRPO.');
    expect(report).toContain('InfoPO is ahead with an interval that excludes zero on 1 of 1 task');
    expect(report).toMatch(/Steps to GRPO's final train success: InfoPO - GRPO = -[\d.]+, .*The interval excludes zero: InfoPO is ahead of GRPO\./);
    expect(report).toContain('dialogues with more information gain succeed more often');
    expect(report).toContain('most early groups are tied');
    expect(report).toContain('In traced tied groups, action tokens with a non-zero advantage: infopo 0.50 of tokens, mean |A| 0.200; grpo 0.00 of tokens, mean |A| 0.000.');
    expect(report).toMatch(/Drop in success from cooperative \(training\) to noisy: InfoPO - GRPO = -0.050, .*The interval excludes zero: InfoPO is ahead of GRPO\./);
    expect(report).toContain('No task of this profile is environment-interactive');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 1, behind on 0, no difference shown on 0 (of 1) tasks |');
    expect(report).toContain("| learns earlier (steps to GRPO's final train success) | InfoPO ahead on 1, behind on 0, no difference shown on 0 (of 1) tasks |");
    expect(report).toContain('| environment-interactive tasks | not tested (no environment task in the profile) |');
    // Each section once, in order, each heading followed by a blank line.
    const headings = [...report.matchAll(/^## (\d)\. /gm)].map((m) => m[1]);
    expect(headings).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(report).toMatch(/## 5\. Cost \(paper: about 1\.6x wall clock\)\n\nMedian step time per run/);
    expect(report).toMatch(/## 6\. Does total information gain per dialogue predict success\?\n\nPearson correlation/);
    expect(report).not.toMatch(/\n{3,}/);
  });

  it('a null result: the interval includes zero and the report says so plainly', () => {
    const report = reportOf(SEEDS.flatMap((s) => [synthRun('infopo', s, 0.1), synthRun('grpo', s, 0.1)]));
    expect(report).toContain('The interval includes zero: no difference shown.');
    expect(report).toContain('**Not reproduced:** on none of 1 task');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 0, behind on 0, no difference shown on 1 (of 1) tasks |');
    expect(report).toContain('A gain of 0.14 in success lies above the interval.');
    expect(report).not.toContain('InfoPO is ahead of GRPO');
    expect(report).toMatch(/Drop in success from cooperative \(training\) to noisy: InfoPO - GRPO = \+0.000, .*no difference shown/);
  });

  it('a loss is reported as a loss, and failed runs are listed with the warnings', () => {
    const runs = SEEDS.flatMap((s) => [synthRun('infopo', s, 0.0), synthRun('grpo', s, 0.2)]);
    const res = analyse(runs, { profile: 'test', personas: ['cooperative'], missing: ['smoke/infopo-1006: exit 1'], warnings: ['evaluation paths differ'], resamples: 500, curveResamples: 100 });
    const report = renderReport(res);
    expect(report).toContain('InfoPO is behind GRPO');
    expect(report).toContain('`smoke/infopo-1006: exit 1`');
    expect(report).toContain('**Warnings:**\n\n- evaluation paths differ');
    expect(report).toContain('| higher final success than GRPO | InfoPO ahead on 0, behind on 1, no difference shown on 0 (of 1) tasks |');
  });

  it('section 8 and by-difficulty.md: success per instance label and method, InfoPO minus the others with intervals', () => {
    const runs = SEEDS.flatMap((s) => ['infopo', 'grpo', 'rloo'].map((m) => ({ ...synthRun(m, s, 0.1), byDifficulty: { all: 0.3, '1 missing': 0.6, '3 missing': m === 'infopo' ? 0.2 : 0.15 } })));
    const res = analyse(runs, { profile: 'test', personas: [], resamples: 500, curveResamples: 50, byDifficulty: BY_DIFFICULTY });
    const table = renderByDifficulty(res);
    expect(table).toBe(
      [
        'smoke: final success by instance, 256 test instances x G sampled episodes per run (seed 2), 5 seeds',
        '',
        '| instances | infopo | grpo | rloo | infopo − grpo [95% CI] | infopo − rloo [95% CI] |',
        '|---|---:|---:|---:|---:|---:|',
        '| all | 0.300 | 0.300 | 0.300 | +0.000 [+0.000, +0.000] | +0.000 [+0.000, +0.000] |',
        '| 1 missing | 0.600 | 0.600 | 0.600 | +0.000 [+0.000, +0.000] | +0.000 [+0.000, +0.000] |',
        '| 3 missing | 0.200 | 0.150 | 0.150 | +0.050 [+0.050, +0.050] | +0.050 [+0.050, +0.050] |',
        '',
      ].join('\n'),
    );
    const report = renderReport(res);
    expect(report).toContain(`## 8. Success by instance difficulty\n\n`);
    expect(report).toContain(table.trimEnd());
    expect(renderReport(analyse(runs.map(({ byDifficulty: _, ...r }) => r), { profile: 'test', personas: [], resamples: 50, curveResamples: 10 }))).not.toContain('## 8.');
  });

  it('verdicts need two seeds and paired runs', () => {
    expect(verdict(null, 'X')).toMatch(/nothing to compare/);
    expect(verdict({ mean: 0.1, ci95: [0.1, 0.1], n: 1 }, 'X')).toMatch(/one seed gives no interval/);
    expect(verdict({ mean: -3, ci95: [-5, -1], n: 4 }, 'Steps', { better: 'lower', digits: 1 })).toMatch(/InfoPO is ahead of GRPO/);
  });
});
