import { describe, expect, it } from 'vitest';
import { BASELINE_AGENTS, evaluateAgent, evaluateScripted, scriptedBatchAgent, type EvaluateOptions } from './baselines';
import { TASK_IDS } from './tasks';

const base: EvaluateOptions = { task: 'intent', persona: 'cooperative', noise: 0.2, episodes: 30, seed: 3, split: 'test' };

describe('evaluateScripted', () => {
  it('reports means of the per-episode records', () => {
    const r = evaluateScripted({ ...base, agent: 'demo' });
    expect(r.records).toHaveLength(30);
    const mean = (f: (x: (typeof r.records)[number]) => number) => r.records.reduce((a, x) => a + f(x), 0) / r.records.length;
    expect(r.success).toBeCloseTo(mean((x) => (x.success ? 1 : 0)));
    expect(r.return).toBeCloseTo(mean((x) => x.return));
    expect(r.turns).toBeCloseTo(mean((x) => x.turns));
    expect(r.maxTurns).toBe(6);
    expect(r.maxTokens).toBe(Math.max(...r.records.map((x) => x.tokens)));
  });

  it('R = step rewards of every turn but the last, plus the final reward (INFOPO.md §4)', () => {
    const r = evaluateScripted({ ...base, agent: 'ask-all', keepDialogues: true });
    for (const rec of r.records) {
      const steps = rec.stepRewards!;
      expect(rec.return).toBeCloseTo(steps.slice(0, -1).reduce((a, b) => a + b, 0) + rec.reward);
    }
  });

  it('an episode that runs out of turns: no final reward, and the last question\'s step reward does not count', async () => {
    const r = await evaluateAgent({ ...base, maxTurns: 2, keepDialogues: true, agentName: 'asker', act: (views) => views.map(() => 'ask time people ?') });
    for (const rec of r.records) {
      expect(rec.finished).toBe(false);
      expect(rec.turns).toBe(2);
      expect(rec.reward).toBe(0);
      expect(rec.return).toBeCloseTo(rec.stepRewards![0]);
      expect(rec.stepRewards![1]).toBeCloseTo(-0.01);
    }
  });

  it('gives every agent the same instances (a paired comparison) and is reproducible', () => {
    const ids = BASELINE_AGENTS.map((agent) => evaluateScripted({ ...base, agent }).records.map((x) => x.instanceId));
    for (const x of ids) expect(x).toEqual(ids[0]);
    expect(evaluateScripted({ ...base, agent: 'random' })).toEqual(evaluateScripted({ ...base, agent: 'random' }));
    expect(evaluateScripted({ ...base, agent: 'random', seed: 4 }).records.map((x) => x.instanceId)).not.toEqual(ids[0]);
  });

  it('rejects unknown agents and tasks', () => {
    expect(() => evaluateScripted({ ...base, agent: 'genius' })).toThrow(/no scripted agent/);
    expect(() => evaluateScripted({ ...base, task: 'chess', agent: 'demo' })).toThrow(/Unknown task/);
  });
});

describe('evaluateAgent (the loop a trained policy plugs into)', () => {
  it('with a wrapped scripted agent, reproduces evaluateScripted exactly, whatever the batch size', async () => {
    for (const task of TASK_IDS) {
      const opts = { ...base, task, episodes: 12 };
      const sync = evaluateScripted({ ...opts, agent: 'oracle', keepDialogues: true });
      for (const batchSize of [1, 5, 64]) {
        const r = await evaluateAgent({ ...opts, agentName: 'oracle', act: scriptedBatchAgent(task, 'oracle', opts.seed, opts.split), batchSize, keepDialogues: true });
        expect(r).toEqual(sync);
      }
    }
  });

  it('drives an async batched agent in lockstep over the live episodes', async () => {
    const calls: number[] = [];
    const r = await evaluateAgent({
      ...base,
      task: '20q',
      episodes: 10,
      batchSize: 4,
      agentName: 'always-fox',
      act: async (views) => {
        calls.push(views.length);
        return views.map((v) => (v.exchanges.length === 0 ? 'is it red ?' : 'guess fox'));
      },
    });
    expect(calls).toEqual([4, 4, 4, 4, 2, 2]);
    expect(r.turns).toBe(2);
    expect(r.agent).toBe('always-fox');
  });
});
