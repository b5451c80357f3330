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

/** A zero variable shaped like `p`; the variable keeps its own reference, so the initial tensor is freed (else each optimizer leaked one per parameter and moment). */
function zeroMoment(p: tf.Variable): tf.Variable {
  const z = tf.zerosLike(p);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly params: tf.Variable[], private readonly o: AdamWOptions) {
    this.m = params.map(zeroMoment);
    this.v = params.map(zeroMoment);
  }

  /**
   * Apply one update; returns the gradient norm before clipping. Grads are consumed (disposed).
   * A non-finite norm (NaN or Inf in a gradient) applies nothing and is returned as is: the
   * weights and moments stay the last good ones, and the caller (runExperiment) stops the run.
   */
  async step(grads: tf.Tensor[], lr: number): Promise<number> {
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
    if (!Number.isFinite(norm)) {
      for (const g of grads) g.dispose();
      return norm;
    }
    this.t++;
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

  /** Step count and moments (copies), for a resumable snapshot. */
  async getState(): Promise<{ t: number; m: Float32Array[]; v: Float32Array[] }> {
    const read = (ts: tf.Variable[]) => Promise.all(ts.map(async (x) => Float32Array.from((await x.data()) as Float32Array)));
    return { t: this.t, m: await read(this.m), v: await read(this.v) };
  }

  setState(state: { t: number; m: readonly Float32Array[]; v: readonly Float32Array[] }): void {
    if (state.m.length !== this.m.length || state.v.length !== this.v.length) throw new Error(`optimizer state holds ${state.m.length} moments, the model ${this.m.length} parameters`);
    const put = (dst: tf.Variable[], src: readonly Float32Array[], what: string) =>
      dst.forEach((x, i) => {
        if (src[i].length !== x.size) throw new Error(`optimizer ${what}[${i}] holds ${src[i].length} values, the parameter ${x.size}`);
        tf.tidy(() => x.assign(tf.tensor(src[i], x.shape)));
      });
    put(this.m, state.m, 'm');
    put(this.v, state.v, 'v');
    this.t = state.t;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
