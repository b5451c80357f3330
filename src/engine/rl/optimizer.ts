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
  async step(grads: tf.Tensor[], lr: number): Promise<number> {
    this.t++;
    const { beta1, beta2, weightDecay, gradClip } = this.o;
    const eps = this.o.eps ?? 1e-8;
    // Asynchronous read: tfjs-webgpu's dataSync goes through an OffscreenCanvas and, on Chromium +
    // SwiftShader, returns 0 and destroys the GPU device.
    // Pairwise adds, not tf.addN: tfjs-webgpu's AddN binds every input as a storage buffer, and more
    // than maxStorageBuffersPerShaderStage - 1 (7 on SwiftShader) makes an invalid pipeline whose
    // output silently keeps a recycled buffer's stale contents.
    const normT = tf.tidy(() => tf.sqrt(grads.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b))));
    const norm = (await normT.data())[0];
    normT.dispose();
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
