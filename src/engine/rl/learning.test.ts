/**
 * Updates that provably improve the policy (issue 20, point 1). Two synthetic tasks small enough
 * to learn in seconds on a tiny model, trained through the real Trainer (warm start, rollouts,
 * information gain, advantages, PPO update):
 *
 * - "bandit": one turn; of four colours only "blue" is rewarded. The warm start imitates a
 *   demonstrator that picks a colour at random, so the policy starts near chance (0.25).
 * - "ask first": the user hides a colour; "ask ?" makes the user say it, "answer COLOUR" ends the
 *   episode and succeeds only with the hidden colour. The demonstrator asks first one time in
 *   five (then copies the answer) and otherwise guesses, so asking first is rare at the start and
 *   required for success: the reward arrives one turn after the move that earns it.
 *
 * Every method must take the rewarded behaviour to >= 0.9 within a fixed budget of updates; the
 * same budget with the update's sign flipped (a negative learning rate: gradient ascent on the
 * loss) must not, so the test can fail. Also checked: the teacher-forced log-probs equal the ones
 * the rollout sampled from, the PPO ratio is 1 on the first (only) mini-batch of the first epoch,
 * and only the agent's own tokens carry loss.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHODS, resolveConfig, type Config, type ConfigInput, type Method } from '../config';
import { Rng } from '../random';
import { reply } from '../tasks/common';
import type { AgentView, Episode, ScriptedAgent, TaskFamily, TaskInstance } from '../tasks/types';
import { EOT, USER } from '../text/special';
import { buildTokenizerFiles, loadTokenizer, type WordTokenizer } from '../text/tokenizer';
import { packDialogues, tokenLogProbs } from './batch';
import { policyLoss } from './loss';
import { generateRollouts, type Rollout, type RolloutRequest } from './rollout';
import { Trainer } from './trainer';

const COLOURS = ['red', 'green', 'blue', 'yellow'];
const REWARDED = 'blue';
const words = (s: string) => s.trim().split(/\s+/);

/** The pieces every synthetic family shares: no areas, no difficulty, scripted agents that are all the demonstrator. */
function toyFamily(spec: { id: string; maxTurns: number; grammar: string[]; request: string; hidden: (rng: Rng) => string; respond: (hidden: string, action: string, state: { turn: number; won: boolean; done: boolean }) => ReturnType<typeof reply>; demonstrator: ScriptedAgent; vocabulary: string }): TaskFamily {
  const instance = (rng: Rng, split: 'train' | 'test'): TaskInstance => {
    const hidden = spec.hidden(rng);
    return { family: spec.id, id: `${spec.id}/${split}/${hidden}`, split, request: spec.request, hidden };
  };
  return {
    id: spec.id,
    title: spec.id,
    description: spec.id,
    role: 'user',
    maxTurns: spec.maxTurns,
    grammar: spec.grammar,
    vocabulary: () => words(spec.vocabulary),
    sample: (rng, split) => instance(rng, split),
    key: (i) => String(i.hidden),
    start(inst): Episode {
      const state = { turn: 0, won: false, done: false };
      return {
        instance: inst,
        respond(action) {
          state.turn++;
          const r = spec.respond(String(inst.hidden), action.trim(), state);
          state.done ||= r.done;
          return r;
        },
        outcome: () => ({ reward: state.won ? 1 : 0, success: state.won }),
      };
    },
    agents: { demo: spec.demonstrator, 'act-now': spec.demonstrator, 'ask-all': spec.demonstrator, random: spec.demonstrator, oracle: spec.demonstrator },
    demonstrator: () => spec.demonstrator,
    describeFeedback: (view: AgentView, index: number) => ({ label: view.exchanges[index].feedback ? 'colour' : 'none', informative: view.exchanges[index].feedback !== '' }),
    actionKind: (action) => words(action)[0] ?? 'invalid',
  };
}

const bandit = toyFamily({
  id: 'bandit',
  maxTurns: 1,
  grammar: ['COLOUR'],
  request: 'pick one .',
  hidden: () => REWARDED,
  respond: (hidden, action, state) => {
    state.won = action === hidden;
    return reply('', 'user', true, 0, COLOURS.includes(action));
  },
  demonstrator: (_view, rng) => rng.pick(COLOURS),
  vocabulary: `pick one . ${COLOURS.join(' ')}`,
});

/** How often the demonstrator asks first: set by the warm start's two stages (learn to copy, then ask rarely). */
let askRate = 1;
const askFirst = toyFamily({
  id: 'ask-first',
  maxTurns: 2,
  grammar: ['ask ?', 'answer COLOUR'],
  request: 'guess my colour .',
  hidden: (rng) => rng.pick(COLOURS),
  respond: (hidden, action, state) => {
    if (action === 'ask ?') return reply(`it is ${hidden} .`, 'user', false, 0, true);
    const w = words(action);
    if (w[0] === 'answer' && w.length === 2 && COLOURS.includes(w[1])) {
      state.won = w[1] === hidden;
      return reply('ok .', 'user', true, 0, true);
    }
    return reply('what ?', 'user', false, 0, false);
  },
  demonstrator: (view, rng) => {
    const heard = view.exchanges.map((e) => words(e.feedback)).find((w) => w[0] === 'it')?.[2];
    if (heard) return `answer ${heard}`;
    return rng.bernoulli(askRate) ? 'ask ?' : `answer ${rng.pick(COLOURS)}`;
  },
  vocabulary: `guess my colour . ask ? answer it is ok what ${COLOURS.join(' ')}`,
});

let tokenizer: WordTokenizer;
beforeAll(async () => {
  await tf.setBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'toy-tokenizer-'));
  const { tokenizer: json, config } = buildTokenizerFiles([...bandit.vocabulary(), ...askFirst.vocabulary()]);
  mkdirSync(join(dir, 'toy'));
  writeFileSync(join(dir, 'toy', 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'toy', 'tokenizer_config.json'), JSON.stringify(config));
  tokenizer = await loadTokenizer({ modelsPath: dir, name: 'toy' });
});

/** A tiny policy, a short warm start at chance, then a fixed budget of RL updates (one optimiser step each). */
const BUDGET: ConfigInput = {
  task: 'intent', // a valid placeholder: the Trainer plays the families it is given
  reward: 'success',
  dModel: 32,
  nLayers: 2,
  nHeads: 2,
  maxContext: 32,
  maxActionTokens: 3,
  sftBatch: 32,
  sftLr: 3e-3,
  promptsPerStep: 8,
  groupSize: 5,
  lr: 3e-3,
  steps: 40,
  evalEpisodes: 0,
  keepFraction: 0.5,
};

/** Sampled decoding at temperature 1 with the episode settings of BUDGET. */
const SAMPLED = { maxTurns: 0, persona: 'cooperative', noise: 0, wrongGuess: 'end', implicitRate: 0, kinds: 6, intentMissing: '1-3', reward: 'success', maxActionTokens: 3, maxContext: 32, temperature: 1, topK: 0, topP: 1, greedy: false } as const;

/** Success of `episodes` sampled episodes (temperature 1) on fresh instances, and the share whose first move is `firstMove`. */
async function measure(policy: Trainer['policy'], family: TaskFamily, episodes: number, firstMove?: string): Promise<{ success: number; first: number }> {
  const rng = new Rng(4242);
  const requests: RolloutRequest[] = Array.from({ length: episodes }, (_, i) => ({ family, instance: family.sample(rng, 'test'), group: i }));
  const rollouts = await generateRollouts(policy, tokenizer, requests, SAMPLED, { sampling: rng.fork('sampling'), user: rng.fork('user') });
  return { success: rollouts.filter((r) => r.success).length / episodes, first: rollouts.filter((r) => r.dialogue.turns[0]?.action === firstMove).length / episodes };
}

/**
 * The warm starts, made once per family and copied into every run. Bandit: imitate a random
 * colour. Ask first: imitate a demonstrator that always asks and copies the answer (copying takes
 * the most imitation), then one that asks one time in ten, so asking first is rare when RL begins.
 */
const warmWeights = new Map<TaskFamily, Map<string, tf.Tensor>>();
async function warmStart(family: TaskFamily): Promise<Map<string, tf.Tensor>> {
  const made = warmWeights.get(family);
  if (made) return made;
  const stages = family === askFirst ? [{ rate: 1, steps: 150 }, { rate: 0.1, steps: 30 }] : [{ rate: 0, steps: 60 }];
  let weights: Map<string, tf.Tensor> | null = null;
  for (const stage of stages) {
    askRate = stage.rate;
    const trainer = new Trainer(resolveConfig({ ...BUDGET, sftSteps: stage.steps, seed: 1 }), tokenizer, [family]);
    if (weights) trainer.policy.load(weights);
    await trainer.warmStart();
    weights?.forEach((t) => t.dispose());
    weights = trainer.policy.snapshot();
    trainer.dispose();
  }
  warmWeights.set(family, weights!);
  return weights!;
}

async function train(family: TaskFamily, method: Method, seed: number, config: Partial<Config> = {}): Promise<{ before: { success: number; first: number }; after: { success: number; first: number }; numTensors: number[] }> {
  const c = { ...resolveConfig({ ...BUDGET, method, seed, sftSteps: 0 }), ...config };
  const trainer = new Trainer(c, tokenizer, [family]);
  trainer.policy.load(await warmStart(family));
  const firstMove = family === askFirst ? 'ask ?' : undefined;
  const before = await measure(trainer.policy, family, 200, firstMove);
  const numTensors: number[] = [];
  for (let s = 0; s < c.steps; s++) {
    await trainer.step();
    numTensors.push(tf.memory().numTensors);
  }
  const after = await measure(trainer.policy, family, 200, firstMove);
  trainer.dispose();
  return { before, after, numTensors };
}

describe('every method learns the rewarded behaviour (synthetic tasks, wasm, fixed budget)', () => {
  for (const method of METHODS) {
    it(`${method}: one turn, one rewarded colour of four: chance -> >= 0.9`, async () => {
      const { before, after } = await train(bandit, method, 11);
      expect(before.success).toBeGreaterThan(0.1);
      expect(before.success).toBeLessThan(0.4);
      expect(after.success).toBeGreaterThanOrEqual(0.9);
    });
    it(`${method}: two turns, asking first is required: rare -> >= 0.9`, async () => {
      const { before, after } = await train(askFirst, method, 12);
      expect(before.first).toBeLessThan(0.35);
      expect(before.success).toBeLessThan(0.55);
      expect(after.success).toBeGreaterThanOrEqual(0.9);
      expect(after.first).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('the same budget with the update sign flipped (gradient ascent on the loss) does not learn: the tests above can fail', async () => {
    const wrong = await train(askFirst, 'infopo', 12, { lr: -BUDGET.lr! });
    expect(wrong.after.success).toBeLessThan(0.5);
    const flat = await train(bandit, 'grpo', 11, { lr: -BUDGET.lr! });
    expect(flat.after.success).toBeLessThan(0.5);
  });

  it('keeps tf.memory().numTensors flat across training steps', async () => {
    const { numTensors } = await train(askFirst, 'infopo', 13, { steps: 8 });
    expect(new Set(numTensors.slice(1)).size).toBe(1);
  });
});

describe('what the update sees', () => {
  it('the teacher-forced log-probs equal the log-probs the rollout sampled from, and the first mini-batch has ratio 1', async () => {
    const c = resolveConfig({ ...BUDGET, method: 'infopo', seed: 5, steps: 1, sftSteps: 0 });
    const trainer = new Trainer(c, tokenizer, [askFirst]);
    trainer.policy.load(await warmStart(askFirst));
    const rng = new Rng(9);
    const requests: RolloutRequest[] = Array.from({ length: 24 }, (_, i) => ({ family: askFirst, instance: askFirst.sample(rng, 'train'), group: i }));
    const rollouts: Rollout[] = await generateRollouts(trainer.policy, tokenizer, requests, SAMPLED, { sampling: rng.fork('s'), user: rng.fork('u') });
    const batch = packDialogues(rollouts.map((r) => r.dialogue));
    const logp = tokenLogProbs(trainer.policy, batch).logp;
    const teacher = (await logp.data()) as Float32Array;
    logp.dispose();
    let compared = 0;
    rollouts.forEach((r, i) => {
      // Action positions in order (mask 1): the tokens the agent sampled, in the order it sampled them.
      const positions = [...Array(batch.t - 1).keys()].filter((p) => batch.mask[i * (batch.t - 1) + p] === 1);
      expect(positions.length).toBe(r.sampledLogProbs!.length);
      positions.forEach((p, k) => expect(teacher[i * (batch.t - 1) + p]).toBeCloseTo(r.sampledLogProbs![k], 5));
      compared += positions.length;
    });
    expect(compared).toBeGreaterThan(24);
    // One epoch, one mini-batch: the update's log-probs are the old ones, ratio exactly 1, nothing clipped.
    const { metrics } = await trainer.step();
    expect(metrics.approx_kl).toBeLessThan(1e-9);
    expect(metrics.clip_fraction).toBe(0);
    trainer.dispose();
  });

  it('only the agent own tokens carry loss: user, tool, format and padding positions get zero gradient', async () => {
    await tf.setBackend('cpu');
    try {
      // Two dialogues of different lengths: one answered by a user, one by a tool (env), padded to one length.
      const { appendAction, appendFeedback, closeAction, startDialogue } = await import('../dialogue');
      const a = startDialogue(tokenizer.encode('guess my colour .'));
      appendAction(a, [...tokenizer.encode('ask ?'), EOT], 'ask ?');
      appendFeedback(a, tokenizer.encode('it is red .'), 'it is red .', 'user');
      appendAction(a, [...tokenizer.encode('answer red'), EOT], 'answer red');
      const b = startDialogue(tokenizer.encode('pick one .'));
      appendAction(b, tokenizer.encode('ask ? ask'), 'ask ? ask'); // cut at the token budget
      closeAction(b);
      appendFeedback(b, tokenizer.encode('ok .'), 'ok .', 'env');
      const batch = packDialogues([a, b]);
      const shape: [number, number] = [2, batch.t - 1];
      const logp0 = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor2D;
      const grad = tf.grad((lp: tf.Tensor) =>
        policyLoss({ logp: lp as tf.Tensor2D, oldLogp: tf.zeros(shape), advantages: tf.ones(shape), mask: tf.tensor2d(batch.mask, shape), entropy: tf.ones(shape) as tf.Tensor2D }, { epsLow: 0.2, epsHigh: 0.2, dualClip: 3, entropyCoef: 0.01, klCoef: 0, klEstimator: 'k3', lossAgg: 'token-mean', horizon: 32 }).loss,
      )(tf.mul(logp0, 0.01));
      const g = (await grad.data()) as Float32Array;
      const agentTokens = (d: typeof a) => d.spans.filter((s) => s.kind === 'action').flatMap((s) => [...Array(s.end - s.start).keys()].map((k) => s.start + k));
      [a, b].forEach((d, i) => {
        const own = new Set(agentTokens(d));
        for (let p = 1; p < batch.t; p++) {
          const value = g[i * (batch.t - 1) + p - 1];
          if (own.has(p)) expect(value, `dialogue ${i} token ${p} (${tokenizer.token(d.tokens[p] ?? 0)})`).not.toBe(0);
          else expect(Math.abs(value), `dialogue ${i} token ${p} (${p < d.tokens.length ? tokenizer.token(d.tokens[p]) : 'padding'})`).toBe(0);
        }
      });
      // The system's <eot> after a cut action, the role tokens and the tool's words are not the agent's.
      expect(b.tokens.filter((t, p) => t === EOT && !agentTokens(b).includes(p)).length).toBeGreaterThan(0);
      expect(a.tokens.includes(USER)).toBe(true);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
