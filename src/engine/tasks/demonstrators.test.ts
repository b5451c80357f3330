/**
 * The warm-start demonstrators (issue #9): an expert whose next move depends on the answers, with
 * a tunable share of uninformed moves. These tests pin what makes the information gain meaningful:
 * informative answers change the demonstrator's next move, uninformative ones do not.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { episodeOptions, resolveConfig } from '../config';
import { evaluate } from '../evaluation';
import { loadTokenizer } from '../text/tokenizer';
import { Rng } from '../random';
import { TASKS } from './index';
import type { AgentView, TaskFamily } from './types';
import { consistentItems, question } from './twenty-questions';
import { parseSlipList, slipOf } from './common';
import { readRequest } from './intent';
import { readRequest as readCodeRequest } from './coding';
import { Trainer } from '../rl/trainer';
import { itemSplit } from './twenty-questions-catalogue';

const USER_FAMILIES = ['20q', 'intent', 'code', 'travel'];
const BUDGET: Record<string, { maxTurns: number; simulator?: { kinds: number } }> = {
  '20q': { maxTurns: 6, simulator: { kinds: 2 } },
  intent: { maxTurns: 5 },
  code: { maxTurns: 6 },
  travel: { maxTurns: 8 },
  mastermind: { maxTurns: 6 },
};

const tokenizer = await loadTokenizer({ modelsPath: resolve(import.meta.dirname, '../../../models') });

async function successOf(family: TaskFamily, slip: number): Promise<number> {
  family.agents[`slip-${slip}`] = family.demonstrator(slip);
  try {
    const config = resolveConfig({ task: family.id, persona: 'cooperative', noise: 0, maxTurns: BUDGET[family.id].maxTurns, ...BUDGET[family.id].simulator });
    return (await evaluate({ baseline: `slip-${slip}` }, { config, tokenizer, episodes: 150, seed: 11 })).mean.success;
  } finally {
    delete family.agents[`slip-${slip}`];
  }
}

/** Every move the demonstrator can make from a view, over many rng draws. */
const movesFrom = (agent: (v: AgentView, r: Rng) => string, view: AgentView, draws = 60): Set<string> => new Set(Array.from({ length: draws }, (_, i) => agent(view, new Rng(i))));

describe('answer-conditioned demonstrators', () => {
  it.each(Object.keys(BUDGET))('%s: the expert (slip 0) solves most test episodes, and slips cost success monotonically', async (id) => {
    const family = TASKS[id];
    const [s0, s3, s6] = [await successOf(family, 0), await successOf(family, 0.3), await successOf(family, 0.6)];
    expect(s0).toBeGreaterThan(id === 'travel' ? 0.95 : 0.9);
    expect(s3).toBeLessThan(s0);
    expect(s6).toBeLessThan(s3);
    expect(family.agents.demo).toBeTypeOf('function');
    expect(() => family.demonstrator(1.5)).toThrow(/slip must be in \[0, 1\]/);
  });

  it('20q: the next question depends on the answer (yes and no lead to different splits)', () => {
    const expert = TASKS['20q'].demonstrator(0);
    const base = { request: 'guess what i am thinking of .', maxTurns: 6, simulator: { kinds: 2, persona: 'cooperative', noise: 0 } };
    const first = expert({ ...base, exchanges: [] }, new Rng(1));
    expect(first).toMatch(/^is it /);
    const afterYes = movesFrom(expert, { ...base, exchanges: [{ action: first, feedback: 'yes .' }] });
    const afterNo = movesFrom(expert, { ...base, exchanges: [{ action: first, feedback: 'no .' }] });
    // The expert is deterministic on the answers; the two answers lead to different next moves.
    expect(afterYes.size).toBe(1);
    expect(afterNo.size).toBe(1);
    expect([...afterYes][0]).not.toBe([...afterNo][0]);
    // An unreadable answer (the counterfactual's placeholder) is no answer: the expert acts as before it.
    const masked = movesFrom(expert, { ...base, exchanges: [{ action: first, feedback: 'no information found .' }] });
    expect([...masked][0]).toBe(first);
  });

  it('20q: demonstrations cover held-out items (so the policy can name them), while RL and tests keep the split', () => {
    const family = TASKS['20q'];
    const rng = new Rng(3);
    const demoItems = new Set(Array.from({ length: 400 }, () => family.sampleDemo!(rng, { kinds: 2 }).id));
    expect([...demoItems].some((id) => id.startsWith('20q/test/'))).toBe(true);
    expect([...demoItems].some((id) => id.startsWith('20q/train/'))).toBe(true);
    for (let i = 0; i < 50; i++) expect(family.sample(rng, 'train', { kinds: 2 }).split).toBe('train');
    expect(itemSplit).toBeTypeOf('function');
  });

  it('20q: an answer that rules items out is informative, one that the earlier answers imply is not', () => {
    const family = TASKS['20q'];
    const view: AgentView = { request: 'guess what i am thinking of .', maxTurns: 6, simulator: { kinds: 1 }, exchanges: [{ action: question('animal'), feedback: 'yes .' }, { action: question('big'), feedback: 'yes .' }] };
    // Kinds 1 = animals only: "is it an animal ?" -> yes rules nothing out; "big" splits them.
    expect(consistentItems(view).length).toBeLessThan(12);
    expect(family.describeFeedback(view, 0)).toEqual({ label: 'implied', informative: false });
    expect(family.describeFeedback(view, 1)).toEqual({ label: 'splits', informative: true });
  });

  it('travel: the answer that completes the profile turns the next move into a search; "i do not mind" leaves a question', () => {
    const expert = TASKS.travel.demonstrator(0);
    const base = { request: 'i need a hotel for my trip .', maxTurns: 8, simulator: { persona: 'cooperative', noise: 0 } };
    const two = [{ action: 'ask area ?', feedback: 'near the beach .' }, { action: 'ask price ?', feedback: 'a cheap one .' }];
    const third = movesFrom(expert, { ...base, exchanges: [...two, { action: 'ask pool ?', feedback: 'i want a pool .' }] });
    expect([...third].every((m) => m.startsWith('search ') && ['beach', 'cheap', 'pool'].every((v) => m.includes(v)))).toBe(true);
    const notMind = movesFrom(expert, { ...base, exchanges: [...two, { action: 'ask pool ?', feedback: 'i do not mind .' }] });
    expect([...notMind].every((m) => /^ask (refundable|breakfast|parking) \?$/.test(m))).toBe(true);
    expect(TASKS.travel.describeFeedback({ ...base, exchanges: [...two, { action: 'ask pool ?', feedback: 'i do not mind .' }] }, 2)).toEqual({ label: 'do-not-mind', informative: false });
    expect(TASKS.travel.describeFeedback({ ...base, exchanges: two }, 1)).toEqual({ label: 'preference', informative: true });
  });

  it('intent: the answer that settles the last unknown detail turns the next move into the answer; an unreadable one is asked again', () => {
    const family = TASKS.intent;
    const expert = family.demonstrator(0);
    const rng = new Rng(4);
    const instance = family.sample(rng, 'test');
    const episode = family.start(instance, episodeOptions(resolveConfig({ task: 'intent', maxTurns: 5, persona: 'cooperative', noise: 0 })), rng);
    const exchanges: AgentView['exchanges'][number][] = [];
    let move = expert({ request: instance.request, exchanges, maxTurns: 5 }, rng);
    while (move.startsWith('ask')) {
      exchanges.push({ action: move, feedback: episode.respond(move).feedback });
      expect(family.describeFeedback({ request: instance.request, exchanges, maxTurns: 5 }, exchanges.length - 1).informative).toBe(true);
      move = expert({ request: instance.request, exchanges, maxTurns: 5 }, rng);
    }
    expect(move).toMatch(/^answer /);
    expect(episode.respond(move).done).toBe(true);
    expect(episode.outcome().success).toBe(true);
    // Mask the last answer: the expert asks that detail again instead of answering.
    const masked = exchanges.map((e, i) => (i === exchanges.length - 1 ? { ...e, feedback: 'no information found .' } : e));
    expect(movesFrom(expert, { request: instance.request, exchanges: masked, maxTurns: 5 })).toEqual(new Set([exchanges[exchanges.length - 1].action]));
    // A slot outside the domain gets "i do not mind", which the family reads as uninformative.
    const other = family.describeFeedback({ request: instance.request, maxTurns: 5, exchanges: [{ action: 'ask seat ?', feedback: 'i do not mind .' }] }, 0);
    expect(other.informative).toBe(false);
  });

  it.each(USER_FAMILIES)('%s: action kinds cover the grammar and invalid text', (id) => {
    const family = TASKS[id];
    expect(family.actionKind('hello there')).toBe('invalid');
    const view = { request: family.sample(new Rng(1), 'train', BUDGET[id].simulator).request, exchanges: [], maxTurns: BUDGET[id].maxTurns, simulator: BUDGET[id].simulator };
    expect(family.actionKind(family.demonstrator(0)(view, new Rng(2)))).not.toBe('invalid');
  });
});

describe('uneven warm-start skill (demoSlipByArea)', () => {
  it('parses slip lists and rejects anything else', () => {
    expect(parseSlipList('')).toEqual([]);
    expect(parseSlipList(' 0.05, 0.9 ,1 ')).toEqual([0.05, 0.9, 1]);
    expect(parseSlipList('.5,0')).toEqual([0.5, 0]);
    for (const bad of ['1.5', 'a', '0.1,,0.2', '-0.1', '0.1;0.2', '1e-3']) expect(parseSlipList(bad), bad).toBeNull();
  });

  it('gives each intent domain its rate, cycling over the domains in order, and refuses a family without areas', () => {
    const family = TASKS.intent;
    expect(family.areas).toEqual(['restaurant', 'flight', 'hotel', 'taxi', 'movie', 'gift']);
    const rng = new Rng(8);
    const instances = Array.from({ length: 60 }, () => family.sample(rng, 'train'));
    for (const instance of instances) {
      const index = family.areas!.indexOf(family.area!(instance));
      expect(slipOf(family, instance, { demoSlip: 0.3, demoSlipByArea: '0.05,0.9' })).toBe(index % 2 === 0 ? 0.05 : 0.9);
      expect(slipOf(family, instance, { demoSlip: 0.3, demoSlipByArea: '' })).toBe(0.3);
    }
    // Every domain occurs, and the agent can tell them apart: one request opening per domain.
    const openings = new Map(instances.map((i) => [family.area!(i), readRequest(i.request).domain.id]));
    expect([...openings].every(([area, read]) => area === read)).toBe(true);
    expect(openings.size).toBe(6);
    const twenty = TASKS['20q'];
    expect(() => slipOf(twenty, twenty.sample(rng, 'train'), { demoSlip: 0.3, demoSlipByArea: '0.1' })).toThrow(/20q has no areas/);
  });

  it("code: the area is the stage the request states, which the agent reads back", () => {
    const family = TASKS.code;
    const rng = new Rng(9);
    const seen = new Set<string>();
    for (let i = 0; i < 80; i++) {
      const instance = family.sample(rng, 'train');
      expect(readCodeRequest(instance.request)?.stage).toBe(family.area!(instance));
      seen.add(family.area!(instance));
      expect(slipOf(family, instance, { demoSlip: 0.3, demoSlipByArea: '0.1,0.2,0.3,0.4,0.5,0.6' })).toBe([0.1, 0.2, 0.3, 0.4, 0.5, 0.6][family.areas!.indexOf(family.area!(instance))]);
    }
    expect(seen.size).toBeGreaterThanOrEqual(5);
  });

  it('the warm start imitates each area at its own slip (one rate everywhere = demoSlip)', async () => {
    const weightsAfter = async (o: Record<string, unknown>): Promise<Float32Array> => {
      const trainer = new Trainer(resolveConfig({ task: 'intent', sftSteps: 3, sftBatch: 6, steps: 0, dModel: 16, nLayers: 1, nHeads: 2, maxContext: 96, maxTurns: 4, ...o }), tokenizer);
      await trainer.warmStart();
      const w = Float32Array.from(trainer.policy.variables.flatMap((v) => Array.from(v.dataSync() as Float32Array)));
      trainer.dispose();
      return w;
    };
    const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => x === b[i]);
    const plain = await weightsAfter({ demoSlip: 0.3 });
    expect(same(await weightsAfter({ demoSlip: 0.9, demoSlipByArea: '0.3' }), plain)).toBe(true);
    expect(same(await weightsAfter({ demoSlip: 0.3, demoSlipByArea: '0,1' }), plain)).toBe(false);
  });

  it('config: names a malformed list and a task without areas', () => {
    expect(() => resolveConfig({ task: 'intent', demoSlipByArea: '0.1,2' })).toThrow(/demoSlipByArea = "0.1,2": comma-separated slip rates/);
    expect(() => resolveConfig({ task: 'intent,20q', demoSlipByArea: '0.1,0.9' })).toThrow(/demoSlipByArea = "0.1,0.9": task 20q has no areas/);
    expect(resolveConfig({ task: 'intent', demoSlipByArea: '0.1,0.9' }).demoSlipByArea).toBe('0.1,0.9');
  });
});
