import { describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { analyse, configFromPresets, methodResult, type RunData } from '../engine';
import { renderPlots } from './replicate-plots';

function run(method: string, seed: number, slope: number): RunData {
  const at = (s: number) => 0.2 + (slope * s) / 10 + 0.01 * ((seed * s) % 3);
  const config = configFromPresets(['smoke'], { method: method as 'grpo', seed, steps: 10, evalEvery: 5 });
  return {
    task: 'smoke', method, seed,
    personas: { cooperative: { success: at(10), return: 0, turns: 2, episodes: 8 }, terse: { success: at(10) / 2, return: 0, turns: 2, episodes: 8 } },
    record: {
      status: 'complete', config, traces: [],
      steps: Array.from({ length: 10 }, (_, i) => ({ step: i + 1, metrics: { success: at(i + 1), zero_std_fraction: 0.9 - i / 20, gate_mean: 0.3 + i / 50, step_ms: 100 } })),
      evaluations: [0, 5, 10].map((step) => ({ step, split: 'test' as const, persona: 'cooperative', episodes: 8, success: at(step), return: 0, turns: 2, per_task: {} })),
    },
  };
}

describe('replicate plots', () => {
  const results = analyse([1, 2, 3].flatMap((s) => [run('infopo', s, 0.4), run('grpo', s, 0.2), run('rloo', s, 0.1)]), { profile: 't', personas: ['cooperative', 'terse'], resamples: 200, curveResamples: 100 });
  const plots = renderPlots(results);

  it('draws learning curves, tied groups and the persona matrix as standalone SVG', () => {
    expect(plots.map((p) => p.file)).toEqual(['learning-smoke.svg', 'tied-smoke.svg', 'personas.svg']);
    for (const p of plots) {
      expect(p.svg.startsWith('<?xml')).toBe(true);
      const { document } = parseHTML(p.svg.replace(/^<\?xml[^>]*>\s*/, ''));
      const svg = document.querySelector('svg')!;
      expect(svg.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
      expect(p.svg).toContain(p.title.replace(/&/g, '&amp;'));
    }
  });

  it('has one band and one line per method and panel, and one cell per (policy, persona)', () => {
    const learning = parseHTML(plots[0].svg.replace(/^<\?xml[^>]*>\s*/, '')).document;
    // areaY and lineY each draw one path per (method, facet): 3 methods x 2 panels.
    const paths = [...learning.querySelectorAll('path')].filter((p) => /^M/.test(p.getAttribute('d') ?? ''));
    expect(paths.length).toBeGreaterThanOrEqual(12);
    for (const m of ['infopo', 'grpo', 'rloo']) expect(plots[0].svg).toContain(`>${m}<`);
    const heat = parseHTML(plots[2].svg.replace(/^<\?xml[^>]*>\s*/, '')).document;
    expect(heat.querySelectorAll('rect').length).toBeGreaterThanOrEqual(3 * 2);
    expect(plots[2].svg).toContain('terse');
  });

  it('draws the mechanism (uninformative questions, first vs last quarter) only when questions were classified', () => {
    expect(plots.some((p) => p.file === 'mechanism.svg')).toBe(false);
    const withQuestions = structuredClone(results);
    for (const [m, late] of [['infopo', 0.2], ['grpo', 0.35]] as const) {
      const r = methodResult(withQuestions.tasks.smoke, m)!;
      r.mechanism = { ...r.mechanism, questions: 40, uninformative_early: { mean: 0.4, ci95: [0.35, 0.45], n: 3 }, uninformative_late: { mean: late, ci95: [late - 0.05, late + 0.05], n: 3 } };
    }
    const mech = renderPlots(withQuestions).find((p) => p.file === 'mechanism.svg')!;
    expect(mech).toBeDefined();
    const doc = parseHTML(mech.svg.replace(/^<\?xml[^>]*>\s*/, '')).document;
    // One interval rule per (method, phase): 2 methods x 2 phases; rloo has no classified questions.
    expect(doc.querySelectorAll('line').length).toBeGreaterThanOrEqual(4);
    expect(mech.svg).toContain('>infopo<');
    expect(mech.svg).not.toContain('>rloo<');
  });
});
