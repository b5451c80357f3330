/** AdamW (decoupled weight decay, Loshchilov & Hutter) with global grad-norm clipping; tfjs has no AdamW. */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  weightDecay: number;
  eps?: number;
  /** Clip the global gradient norm to this value (0 = off). */
  gradClip: number;
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly params: tf.Variable[], private readonly o: AdamWOptions) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** Apply one update; returns the gradient norm before clipping. Grads are consumed (disposed). */
  step(grads: tf.Tensor[], lr: number): number {
    this.t++;
    const { beta1, beta2, weightDecay, gradClip } = this.o;
    const eps = this.o.eps ?? 1e-8;
    const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
    const scale = gradClip > 0 && norm > gradClip ? gradClip / (norm + 1e-6) : 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = scale === 1 ? grads[i] : tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)));
      });
    });
    for (const g of grads) g.dispose();
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
