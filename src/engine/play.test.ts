import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets } from './config';
import { appendAction, appendFeedback, buildCounterfactual, startDialogue, type Dialogue } from './dialogue';
import { EOT } from './text/special';
import { PlaySession, playInstance } from './play';
import { policyFromFiles } from './checkpoints/hf-checkpoint';
import type { Policy } from './policy/model';
import { loadTokenizer, type WordTokenizer } from './text/tokenizer';

const models = resolve(import.meta.dirname, '../../models');
let tokenizer: WordTokenizer;
let policy: Policy;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: models });
  const dir = resolve(models, 'infopo-warm');
  const files = Object.fromEntries(readdirSync(dir).filter((f) => statSync(resolve(dir, f)).isFile()).map((f) => [f, new Uint8Array(readFileSync(resolve(dir, f)))]));
  policy = policyFromFiles(files, tokenizer).policy;
});

/** IG_t from scratch (docs/infopo.md §2): two full teacher-forced passes, equal-length masked answer, mean log-ratio of a_{t+1}. */
function igByHand(d: Dialogue, t: number, placeholderIds: number[]): number {
  const cf = buildCounterfactual(d, t, placeholderIds, 'equal-length');
  const logp = (tokens: number[], start: number, end: number) =>
    tf.tidy(() => {
      const lsm = tf.logSoftmax(policy.forward(tf.tensor2d([tokens], [1, tokens.length], 'int32')).logits).arraySync()[0] as number[][];
      const out: number[] = [];
      for (let k = start; k < end; k++) out.push(lsm[k - 1][tokens[k]]);
      return out;
    });
  const real = logp(d.tokens, cf.realNextActionStart, cf.realNextActionStart + (cf.nextActionEnd - cf.nextActionStart));
  const masked = logp(cf.tokens, cf.nextActionStart, cf.nextActionEnd);
  return real.reduce((a, x, k) => a + x - masked[k], 0) / real.length;
}

describe('play the user', () => {
  const config = configFromPresets(['demo']);

  it('the same seed gives the same instance, other seeds other instances, all from the test split', () => {
    expect(playInstance('travel', 5, config)).toEqual(playInstance('travel', 5, config));
    const instances = Array.from({ length: 10 }, (_, seed) => playInstance('travel', seed + 1, config));
    expect(new Set(instances.map((i) => JSON.stringify(i))).size).toBeGreaterThan(5);
    for (const i of instances) expect(i.split).toBe('test');
  });

  it("measures each answer's information gain with the engine's code, equal to the formula done by hand", async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 3);
    const first = await session.begin();
    expect(first.turns).toHaveLength(1);
    expect(first.turns[0].action.length).toBeGreaterThan(0);
    expect(first.turns[0].answer).toBeNull();
    const before = tf.memory().numTensors;
    const after = await session.answer(first.turns[0].suggested || 'yes');
    expect(tf.memory().numTensors).toBe(before);
    const turn = after.turns[0];
    if (after.turns.length < 2) throw new Error(`the agent stopped after one turn: ${JSON.stringify(after)}`);
    expect(turn.infoGain).not.toBeNull();
    expect(Number.isFinite(turn.infoGain!.sampled)).toBe(true);
    expect(turn.infoGain!.exact).toBeGreaterThanOrEqual(-1e-6);
    expect(turn.maskedNext).not.toBeNull();
    // The dialogue the agent saw, rebuilt from the session's public state as the session builds it.
    const d = startDialogue(tokenizer.encode(after.instance.request));
    for (const t of after.turns) {
      appendAction(d, [...tokenizer.encode(t.action), EOT], t.action);
      if (t.answer !== null) appendFeedback(d, tokenizer.encode(t.answer), t.answer, after.role);
    }
    expect(turn.infoGain!.sampled).toBeCloseTo(igByHand(d, 0, tokenizer.encode(config.placeholder)), 4);
  });

  it('refuses empty answers, unknown words, and answers when none is awaited', async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 4);
    await expect(session.answer('yes')).rejects.toThrow(/not waiting/);
    await session.begin();
    await expect(session.answer('   ')).rejects.toThrow(/empty answer/);
    await expect(session.answer('zyzzyva quux')).rejects.toThrow(/no "zyzzyva", "quux"/);
    // A pasted wall of text gives a short message: five words named, each cut short.
    const long = await session.answer(`${'w'.repeat(5000)} a1 a2 a3 a4 a5 a6`).catch((e: Error) => e.message);
    expect(long).toMatch(/no "w{40}… \(5000 chars\)", "a1", "a2", "a3", "a4" and 2 more unknown words/);
    expect(String(long).length).toBeLessThan(200);
  });

  it('says why an episode ended: a long answer of valid words fills the context', async () => {
    const session = new PlaySession(policy, tokenizer, config, 'travel', 4);
    const first = await session.begin();
    expect(first.endReason).toBeNull();
    const words = first.turns[0].suggested.split(/\s+/).filter((w) => session.unknownWords(w).length === 0);
    const state = await session.answer(Array.from({ length: 400 }, (_, i) => words[i % words.length]).join(' '));
    expect(state.done).toBe(true);
    expect(state.endReason).toMatch(/^the dialogue filled the agent's context \(\d+ of \d+ tokens\), so it cannot move again$/);
  });
});
