import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAction, appendFeedback, buildCounterfactual, startDialogue, type Dialogue } from '../dialogue';
import { Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { Rng } from '../random';
import { EOT } from '../text/special';
import { packDialogues, tokenLogProbs } from './batch';
import { computeInfoGain, type InfoGainOptions } from './infogain';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { vocabSize: 40, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 64 };
const placeholder = [36, 37, 38, 39];

function dialogues(): Dialogue[] {
  const a = startDialogue([10, 11, 12]);
  appendAction(a, [20, 21, EOT], 'a0');
  appendFeedback(a, [30, 31], 'f0', 'user');
  appendAction(a, [22, EOT], 'a1');
  appendFeedback(a, [32, 33, 34, 35, 30], 'f1', 'user');
  appendAction(a, [23, 24, 25, EOT], 'a2');
  const b = startDialogue([10, 13]);
  appendAction(b, [26, EOT], 'a0');
  appendFeedback(b, [31], 'f0', 'env');
  appendAction(b, [27, 28, EOT], 'a1');
  return [a, b];
}

/** The definition, one turn at a time: two full passes, mean log-ratio over a_{t+1}. */
function naiveIG(p: Policy, d: Dialogue, turn: number, mode: 'equal-length' | 'replace') {
  const cf = buildCounterfactual(d, turn, placeholder, mode);
  const real = d.tokens.slice(0, cf.realNextActionStart + (cf.nextActionEnd - cf.nextActionStart));
  const lp = (seq: number[], start: number, end: number) =>
    tf.tidy(() => {
      const logits = tf.logSoftmax(p.forward(tf.tensor2d([seq], undefined, 'int32')).logits).arraySync()[0];
      const out: number[][] = [];
      for (let k = start; k < end; k++) out.push(logits[k - 1]);
      return out;
    });
  const len = cf.nextActionEnd - cf.nextActionStart;
  const r = lp(real, cf.realNextActionStart, cf.realNextActionStart + len);
  const m = lp(cf.tokens, cf.nextActionStart, cf.nextActionEnd);
  let sampled = 0;
  let exact = 0;
  for (let k = 0; k < len; k++) {
    const tok = real[cf.realNextActionStart + k];
    sampled += r[k][tok] - m[k][tok];
    for (let v = 0; v < shape.vocabSize; v++) exact += Math.exp(r[k][v]) * (r[k][v] - m[k][v]);
  }
  return { sampled: sampled / len, exact: exact / len };
}

async function batchedIG(p: Policy, ds: Dialogue[], o: InfoGainOptions) {
  const batch = packDialogues(ds);
  const real = tidy(() => tokenLogProbs(p, batch, { logits: true, kv: true }));
  const gains = await computeInfoGain(p, ds, batch.t, real.logits!, real.kv, o);
  tf.dispose([real.logp, real.logits, ...real.kv!.k, ...real.kv!.v]);
  return gains;
}

describe('information gain', () => {
  const base: InfoGainOptions = { placeholderIds: placeholder, placeholderMode: 'equal-length', prefixReuse: false, divergenceImpl: 'ops' };

  for (const prefixReuse of [false, true]) {
    for (const mode of ['equal-length', 'replace'] as const) {
      it(`batched (prefix reuse ${prefixReuse}, ${mode}) equals the one-turn-at-a-time definition`, async () => {
        const p = new Policy(shape, new Rng(11));
        const ds = dialogues();
        const gains = await batchedIG(p, ds, { ...base, prefixReuse, placeholderMode: mode });
        expect(gains.map((g) => `${g.dialogue}/${g.turn}`)).toEqual(['0/0', '0/1', '1/0']);
        for (const g of gains) {
          const want = naiveIG(p, ds[g.dialogue], g.turn, mode);
          expect(g.sampled).toBeCloseTo(want.sampled, 5);
          expect(g.exact).toBeCloseTo(want.exact, 5);
          expect(g.exact).toBeGreaterThanOrEqual(-1e-6);
        }
        expect(gains.some((g) => Math.abs(g.sampled) > 1e-4)).toBe(true);
        p.dispose();
      });
    }
  }

  it('with prefix reuse, skips dialogues without a scored turn (their keys/values are not used)', async () => {
    const p = new Policy(shape, new Rng(15));
    const lone = startDialogue([10, 14]);
    appendAction(lone, [29, EOT], 'a0');
    const [a, b] = dialogues();
    const ds = [lone, a, lone, b];
    const gains = await batchedIG(p, ds, { ...base, prefixReuse: true });
    expect(gains.map((g) => `${g.dialogue}/${g.turn}`)).toEqual(['1/0', '1/1', '3/0']);
    for (const g of gains) {
      const want = naiveIG(p, ds[g.dialogue], g.turn, 'equal-length');
      expect(g.sampled).toBeCloseTo(want.sampled, 5);
      expect(g.exact).toBeCloseTo(want.exact, 5);
    }
    p.dispose();
  });

  it('is exactly zero for a policy that ignores its context (attention and MLP off)', async () => {
    const p = new Policy(shape, new Rng(12));
    for (const name of p.names()) if (/attn\.wo|mlp\.w2/.test(name)) p.get(name).assign(tf.zerosLike(p.get(name)));
    const gains = await batchedIG(p, dialogues(), { ...base, prefixReuse: true });
    for (const g of gains) {
      expect(g.sampled).toBe(0);
      expect(Math.abs(g.exact)).toBeLessThan(1e-7);
    }
    p.dispose();
  });

  it('is zero when the feedback already equals the placeholder', async () => {
    const p = new Policy(shape, new Rng(13));
    const d = startDialogue([10]);
    appendAction(d, [20, EOT], 'a0');
    appendFeedback(d, placeholder, 'no information found .', 'user');
    appendAction(d, [21, EOT], 'a1');
    const [g] = await batchedIG(p, [d], base);
    expect(g.sampled).toBe(0);
    expect(Math.abs(g.exact)).toBeLessThan(1e-7);
    p.dispose();
  });

  it('returns nothing when no turn is scored, and leaks no tensor', async () => {
    const p = new Policy(shape, new Rng(14));
    const d = startDialogue([10]);
    appendAction(d, [20, EOT], 'a0');
    const before = tf.memory().numTensors;
    expect(await batchedIG(p, [d], base)).toEqual([]);
    await batchedIG(p, dialogues(), { ...base, prefixReuse: true });
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });
});
