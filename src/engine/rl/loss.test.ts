import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { aggregate, clippedPolicyLoss, policyLoss, type LossOptions } from './loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const opts: LossOptions = { epsLow: 0.2, epsHigh: 0.2, dualClip: 3, entropyCoef: 0, klCoef: 0, klEstimator: 'k3', lossAgg: 'token-mean', horizon: 10 };
const t2 = (x: number[][]) => tf.tensor2d(x);

describe('PPO-clip with dual clip (worked by hand, eps 0.2, c 3)', () => {
  it('clips positive advantages above 1 + eps and keeps the pessimistic side', () => {
    const loss = clippedPolicyLoss(tf.tensor1d([1.5, 0.5, 1.0]), tf.tensor1d([1, 1, 2]), opts).dataSync();
    expect(loss[0]).toBeCloseTo(-1.2, 6); // max(-1.5, -1.2)
    expect(loss[1]).toBeCloseTo(-0.5, 6); // max(-0.5, -0.8)
    expect(loss[2]).toBeCloseTo(-2, 6);
  });
  it('bounds negative advantages by -c * A (dual clip)', () => {
    const loss = clippedPolicyLoss(tf.tensor1d([5, 0.5]), tf.tensor1d([-1, -1]), opts).dataSync();
    expect(loss[0]).toBeCloseTo(3, 6); // min(3, max(5, 1.2))
    expect(loss[1]).toBeCloseTo(0.8, 6); // min(3, max(0.5, 0.8))
  });
  it('honours asymmetric clip ranges (clip-higher)', () => {
    const loss = clippedPolicyLoss(tf.tensor1d([1.25]), tf.tensor1d([1]), { ...opts, epsHigh: 0.28 }).dataSync();
    expect(loss[0]).toBeCloseTo(-1.25, 6);
  });
});

describe('loss aggregation (values [[1,2,3],[4,0,0]], mask [[1,1,0],[1,0,0]])', () => {
  const v = () => t2([[1, 2, 3], [4, 0, 0]]);
  const m = () => t2([[1, 1, 0], [1, 0, 0]]);
  it('token-mean = (1 + 2 + 4) / 3', () => expect(aggregate(v(), m(), 'token-mean', 10).dataSync()[0]).toBeCloseTo(7 / 3, 6));
  it('seq-mean-token-mean = ((1 + 2) / 2 + 4) / 2', () => expect(aggregate(v(), m(), 'seq-mean-token-mean', 10).dataSync()[0]).toBeCloseTo(2.75, 6));
  it('seq-mean-token-sum-norm = ((1 + 2) / 10 + 4 / 10) / 2', () => expect(aggregate(v(), m(), 'seq-mean-token-sum-norm', 10).dataSync()[0]).toBeCloseTo(0.35, 6));
  it('ignores sequences without action tokens in the sequence means', () => {
    const mask = t2([[1, 1, 0], [0, 0, 0]]);
    expect(aggregate(v(), mask, 'seq-mean-token-mean', 10).dataSync()[0]).toBeCloseTo(1.5, 6);
  });
});

describe('policy loss terms', () => {
  const inputs = () => ({
    logp: t2([[Math.log(0.25), Math.log(0.5)]]),
    oldLogp: t2([[Math.log(0.25), Math.log(0.25)]]),
    advantages: t2([[1, 1]]),
    mask: t2([[1, 1]]),
    entropy: t2([[2, 4]]),
    refLogp: t2([[Math.log(0.5), Math.log(0.5)]]),
  });
  it('adds the entropy bonus and the KL penalty (k3 and k1) with their coefficients', () => {
    // ratios 1 and 2: pg = [-1, -1.2] -> mean -1.1; entropy mean 3; KL to ref per token:
    // k3: d = log 0.5 - log 0.25 = ln 2 -> 2 - ln 2 - 1 = 0.30685; second token d = 0 -> 0 ; mean 0.153426
    const out = policyLoss(inputs(), { ...opts, entropyCoef: 0.1, klCoef: 0.5, klEstimator: 'k3' });
    expect(out.policyLoss.dataSync()[0]).toBeCloseTo(-1.1, 5);
    expect(out.entropy.dataSync()[0]).toBeCloseTo(3, 5);
    expect(out.klRef.dataSync()[0]).toBeCloseTo((1 - Math.LN2) / 2, 5);
    expect(out.loss.dataSync()[0]).toBeCloseTo(-1.1 - 0.3 + 0.5 * ((1 - Math.LN2) / 2), 5);
    expect(out.clipFraction.dataSync()[0]).toBeCloseTo(0.5, 6);
    // k3 of KL(old || new) per token: ratio 1 -> 0, ratio 2 -> 2 - ln 2 - 1
    expect(out.approxKl.dataSync()[0]).toBeCloseTo((1 - Math.LN2) / 2, 5);
    const k1 = policyLoss(inputs(), { ...opts, klCoef: 0.5, klEstimator: 'k1' });
    expect(k1.klRef.dataSync()[0]).toBeCloseTo(-Math.LN2 / 2, 5); // log pi - log pi_ref: [-ln2, 0]
  });
  it('has zero policy loss gradient on non-action tokens', () => {
    const logp = tf.variable(t2([[-1, -2]]));
    const g = tf.grad((x: tf.Tensor) => policyLoss({ logp: x as tf.Tensor2D, oldLogp: t2([[-1, -2]]), advantages: t2([[1, 5]]), mask: t2([[1, 0]]) }, opts).loss)(logp);
    expect(Math.abs(g.dataSync()[1])).toBe(0);
    expect(g.dataSync()[0]).toBeCloseTo(-1, 6);
  });
});
