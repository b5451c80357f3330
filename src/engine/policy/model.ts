/**
 * A small decoder-only transformer (GPT-2 layout, pre-LayerNorm, ReLU MLP) in TensorFlow.js.
 * One forward serves training (full causal pass), KV-cache generation (one new token attending
 * to the cache) and the counterfactual suffix pass (suffix tokens attending to a reused prefix).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { causalSelfAttention, dense, embed, fusedAttentionApplies, layerNorm, matMul } from './ops';

export interface ModelShape {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  maxContext: number;
}

export interface KV {
  /** Per layer: keys [B, H, dh, P] (stored transposed, ready for q @ k) and values [B, H, P, dh]. */
  k: tf.Tensor4D[];
  v: tf.Tensor4D[];
}

export interface ForwardOptions {
  /** Position ids [B, T] (int32); default 0..T-1 after the past length. */
  positions?: tf.Tensor2D;
  /** Keys/values of earlier positions that every row attends to before its own tokens. */
  past?: KV;
  /** Additive attention mask [B or 1, 1, T, P + T]; default: all of `past` plus causal over own tokens. */
  mask?: tf.Tensor;
  /** Return the keys/values of past + own tokens (generation, prefix reuse). */
  returnKV?: boolean;
}

export interface ForwardResult {
  logits: tf.Tensor3D;
  kv?: KV;
}

const NEG = -1e9;

export class Policy {
  readonly shape: ModelShape;
  readonly variables: tf.Variable[] = [];
  private readonly named = new Map<string, tf.Variable>();

  constructor(shape: ModelShape, rng: Rng) {
    if (shape.dModel % shape.nHeads !== 0) throw new Error(`nHeads ${shape.nHeads} must divide dModel ${shape.dModel}`);
    this.shape = shape;
    const { vocabSize: V, dModel: d, nLayers, maxContext } = shape;
    const std = 0.02;
    // GPT-2: residual projections scaled by 1/sqrt(2 * layers) so the residual stream starts tame.
    const projStd = std / Math.sqrt(2 * nLayers);
    this.param('wte', [V, d], rng, std);
    this.param('wpe', [maxContext, d], rng, std);
    for (let l = 0; l < nLayers; l++) {
      this.param(`h${l}.ln1.g`, [d], rng, 'ones');
      this.param(`h${l}.ln1.b`, [d], rng, 'zeros');
      this.param(`h${l}.attn.wqkv`, [d, 3 * d], rng, std);
      this.param(`h${l}.attn.bqkv`, [3 * d], rng, 'zeros');
      this.param(`h${l}.attn.wo`, [d, d], rng, projStd);
      this.param(`h${l}.attn.bo`, [d], rng, 'zeros');
      this.param(`h${l}.ln2.g`, [d], rng, 'ones');
      this.param(`h${l}.ln2.b`, [d], rng, 'zeros');
      this.param(`h${l}.mlp.w1`, [d, 4 * d], rng, std);
      this.param(`h${l}.mlp.b1`, [4 * d], rng, 'zeros');
      this.param(`h${l}.mlp.w2`, [4 * d, d], rng, projStd);
      this.param(`h${l}.mlp.b2`, [d], rng, 'zeros');
    }
    this.param('lnf.g', [d], rng, 'ones');
    this.param('lnf.b', [d], rng, 'zeros');
    this.param('head', [d, V], rng, std);
  }

  private param(name: string, shape: number[], rng: Rng, init: number | 'ones' | 'zeros'): void {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (init === 'ones') data.fill(1);
    else if (typeof init === 'number') for (let i = 0; i < size; i++) data[i] = rng.normal() * init;
    const initial = tf.tensor(data, shape);
    const v = tf.variable(initial, true, `policy/${name}/${Policy.nextId++}`);
    // The variable holds its own reference to the data; the initial tensor would outlive dispose().
    initial.dispose();
    this.variables.push(v);
    this.named.set(name, v);
  }
  private static nextId = 0;

  get(name: string): tf.Variable {
    const v = this.named.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  names(): string[] {
    return [...this.named.keys()];
  }

  parameterCount(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /** Logits for every position of `tokens` [B, T] (int32). */
  forward(tokens: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
    const { x, kv } = this.trunk(tokens, options);
    return { logits: this.head(x) as tf.Tensor3D, kv };
  }

  /**
   * Logits [R, V] only at the flat positions `rows` (indices into [B * T]): the final LayerNorm and
   * the vocabulary projection run on those rows alone (each row is computed exactly as in forward).
   */
  forwardRows(tokens: tf.Tensor2D, rows: tf.Tensor1D, options: ForwardOptions = {}): { logits: tf.Tensor2D; kv?: KV } {
    const { x, kv } = this.trunk(tokens, options);
    const picked = tf.gather(x.reshape([-1, this.shape.dModel]), rows);
    return { logits: this.head(picked) as tf.Tensor2D, kv };
  }

  private head(x: tf.Tensor): tf.Tensor {
    return dense(layerNorm(x, this.get('lnf.g'), this.get('lnf.b')), this.get('head'));
  }

  /** The residual stream after the last block [B, T, d], and the keys/values when asked. */
  private trunk(tokens: tf.Tensor2D, options: ForwardOptions): { x: tf.Tensor3D; kv?: KV } {
    const { dModel: d, nHeads: H, nLayers } = this.shape;
    const dh = d / H;
    const [B, T] = tokens.shape;
    const pastLen = options.past ? options.past.v[0].shape[2] : 0;
    if (!options.positions && pastLen + T > this.shape.maxContext) {
      throw new Error(`sequence of ${pastLen + T} tokens exceeds the context window of ${this.shape.maxContext}`);
    }
    const positions = options.positions ?? tf.range(pastLen, pastLen + T, 1, 'int32').reshape([1, T]);
    let x = tf.add(embed(this.get('wte') as tf.Tensor2D, tokens), embed(this.get('wpe') as tf.Tensor2D, positions)) as tf.Tensor3D;
    const mask = options.mask ?? causalMask(T, pastLen);
    const kvOut: KV = { k: [], v: [] };
    const fused = !options.past && !options.mask && fusedAttentionApplies(T, dh);
    for (let l = 0; l < nLayers; l++) {
      const p = (n: string) => this.get(`h${l}.${n}`);
      const h = layerNorm(x, p('ln1.g'), p('ln1.b'));
      const qkv = dense(h, p('attn.wqkv'), p('attn.bqkv')) as tf.Tensor3D; // [B, T, 3d]
      // A whole causal sequence per row (training, teacher-forced passes): one op on wasm and webgpu (ops.ts).
      if (fused) {
        if (options.returnKV) {
          // The cache in its usual layout, from the same keys and values (the one-op attention keeps its own).
          const [, k, v] = tf.split(qkv, 3, 2).map((t) => t.reshape([B, T, H, dh]));
          kvOut.k.push(tf.transpose(k, [0, 2, 3, 1]) as tf.Tensor4D);
          kvOut.v.push(tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D);
        }
        x = tf.add(x, dense(causalSelfAttention(qkv, H), p('attn.wo'), p('attn.bo'))) as tf.Tensor3D;
      } else {
        const [q, k, v] = tf.split(qkv, 3, 2).map((t) => t.reshape([B, T, H, dh]));
        const qh = tf.transpose(q, [0, 2, 1, 3]); // [B, H, T, dh]
        let kt = tf.transpose(k, [0, 2, 3, 1]) as tf.Tensor4D; // [B, H, dh, T]
        let vh = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, dh]
        if (options.past) {
          kt = tf.concat([options.past.k[l], kt], 3);
          vh = tf.concat([options.past.v[l], vh], 2);
        }
        if (options.returnKV) {
          kvOut.k.push(kt);
          kvOut.v.push(vh);
        }
        const scores = tf.add(tf.mul(matMul(qh, kt), 1 / Math.sqrt(dh)), mask); // [B, H, T, P+T]
        const att = matMul(tf.softmax(scores), vh); // [B, H, T, dh]
        const merged = tf.transpose(att, [0, 2, 1, 3]).reshape([B, T, d]);
        x = tf.add(x, dense(merged, p('attn.wo'), p('attn.bo'))) as tf.Tensor3D;
      }
      const h2 = layerNorm(x, p('ln2.g'), p('ln2.b'));
      const mlp = dense(dense(h2, p('mlp.w1'), p('mlp.b1'), 'relu'), p('mlp.w2'), p('mlp.b2'));
      x = tf.add(x, mlp) as tf.Tensor3D;
    }
    return { x, kv: options.returnKV ? kvOut : undefined };
  }

  /** Snapshot of all weights (for a frozen reference policy or a checkpoint). */
  snapshot(): Map<string, tf.Tensor> {
    return new Map([...this.named].map(([name, v]) => [name, tf.keep(v.clone())]));
  }

  load(weights: Map<string, tf.Tensor>): void {
    for (const [name, v] of this.named) {
      const w = weights.get(name);
      if (!w) throw new Error(`checkpoint lacks parameter ${name}`);
      if (w.shape.join() !== v.shape.join()) throw new Error(`parameter ${name}: checkpoint shape [${w.shape}] differs from model [${v.shape}]`);
      v.assign(w);
    }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Additive mask [1, 1, T, P+T]: every past position visible, own positions causal. */
export function causalMask(T: number, pastLen = 0): tf.Tensor4D {
  const data = new Float32Array(T * (pastLen + T));
  for (let i = 0; i < T; i++) for (let j = pastLen + i + 1; j < pastLen + T; j++) data[i * (pastLen + T) + j] = NEG;
  return tf.tensor4d(data, [1, 1, T, pastLen + T]);
}

export const MASKED = NEG;
