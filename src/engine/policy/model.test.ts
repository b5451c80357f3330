import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../random';
import { causalMask, Policy } from './model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { vocabSize: 23, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 32 };
const tokens = [[2, 4, 10, 11, 3, 5, 12, 13, 3], [2, 4, 14, 3, 5, 15, 16, 17, 3]];

describe('policy transformer', () => {
  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const p = new Policy(shape, new Rng(1));
    const a = p.forward(tf.tensor2d(tokens, undefined, 'int32')).logits.arraySync();
    const changed = tokens.map((r) => [...r.slice(0, 6), 20, 20, 20]);
    const b = p.forward(tf.tensor2d(changed, undefined, 'int32')).logits.arraySync();
    for (let t = 0; t < 6; t++) expect(b[0][t]).toEqual(a[0][t]);
    expect(b[0][7]).not.toEqual(a[0][7]);
    p.dispose();
  });

  it('forwardRows gives the logits of the full pass at the chosen rows only', () => {
    const p = new Policy(shape, new Rng(4));
    const x = tf.tensor2d(tokens, undefined, 'int32');
    const full = p.forward(x).logits.arraySync();
    const picks = [[1, 7], [0, 0], [0, 8], [1, 2]];
    const got = p.forwardRows(x, tf.tensor1d(picks.map(([b, t]) => b * tokens[0].length + t), 'int32')).logits.arraySync();
    expect(got.length).toBe(picks.length);
    picks.forEach(([b, t], i) => expect(got[i]).toEqual(full[b][t]));
    p.dispose();
  });

  it('KV-cache decoding gives the logits of the full pass', () => {
    const p = new Policy(shape, new Rng(2));
    const full = p.forward(tf.tensor2d(tokens, undefined, 'int32')).logits.arraySync();
    let past;
    for (let t = 0; t < tokens[0].length; t++) {
      const step = p.forward(tf.tensor2d(tokens.map((r) => [r[t]]), undefined, 'int32'), { past, returnKV: true });
      past = step.kv;
      const got = step.logits.arraySync();
      for (let b = 0; b < 2; b++) for (let v = 0; v < shape.vocabSize; v++) expect(got[b][0][v]).toBeCloseTo(full[b][t][v], 4);
    }
    p.dispose();
  });

  it('a suffix pass over a reused prefix equals the full pass', () => {
    const p = new Policy(shape, new Rng(3));
    const x = tf.tensor2d(tokens, undefined, 'int32');
    const full = p.forward(x, { returnKV: true });
    const P = 5;
    const prefix = p.forward(tf.slice(x, [0, 0], [2, P]) as tf.Tensor2D, { returnKV: true });
    const suffix = p.forward(tf.slice(x, [0, P], [2, tokens[0].length - P]) as tf.Tensor2D, { past: prefix.kv, mask: causalMask(tokens[0].length - P, P) });
    const a = full.logits.arraySync();
    const b = suffix.logits.arraySync();
    for (let r = 0; r < 2; r++) for (let t = P; t < tokens[0].length; t++) for (let v = 0; v < 5; v++) expect(b[r][t - P][v]).toBeCloseTo(a[r][t][v], 4);
    p.dispose();
  });

  it('initialises reproducibly from the seed', () => {
    const a = new Policy(shape, new Rng(9));
    const b = new Policy(shape, new Rng(9));
    expect(a.get('wte').arraySync()).toEqual(b.get('wte').arraySync());
    expect(a.parameterCount()).toBe(b.parameterCount());
    a.dispose();
    b.dispose();
  });

  it('trains on every backend available in Node: gradients flow to the embeddings (no UnsortedSegmentSum)', async () => {
    for (const backend of ['cpu', 'wasm']) {
      if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
      await tf.setBackend(backend);
      const p = new Policy(shape, new Rng(4));
      const { grads } = tf.variableGrads(() => tf.mean(p.forward(tf.tensor2d(tokens, undefined, 'int32')).logits.slice([0, 0, 3], [2, 9, 1])) as tf.Scalar, p.variables);
      const g = grads[p.get('wte').name];
      expect(g.shape).toEqual([23, 16]);
      expect(tf.sum(tf.abs(g)).dataSync()[0], backend).toBeGreaterThan(0);
      tf.dispose(Object.values(grads));
      p.dispose();
    }
    await tf.setBackend('cpu');
  });
});
