import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
const time = (f: () => tf.Tensor, n = 10) => { for (let i = 0; i < 2; i++) f().dispose(); const xs = []; for (let i = 0; i < n; i++) { const t0 = performance.now(); const y = f(); y.dataSync(); xs.push(performance.now() - t0); y.dispose(); } xs.sort((a, b) => a - b); return xs[n >> 1]; };
const gf = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(2);
for (const [B, M, K, N] of [[80, 53, 16, 131], [80, 53, 131, 16], [32, 128, 32, 128], [32, 128, 128, 32], [32,127,16,127]]) {
  const a = tf.randomNormal([B, M, K]); const b = tf.randomNormal([B, K, N]); const bt = tf.randomNormal([B, N, K]);
  const fl = 2 * B * M * K * N;
  const t1 = time(() => tf.matMul(a, b)); const t2 = time(() => tf.matMul(a, bt, false, true));
  const at = tf.randomNormal([B, K, M]);
  const t3 = time(() => tf.matMul(at, b, true, false));
  console.log(`[${B},${M},${K}]x[${B},${K},${N}] plain ${t1.toFixed(2)}ms ${gf(fl, t1)} GF/s | transB ${t2.toFixed(2)}ms ${gf(fl, t2)} | transA ${t3.toFixed(2)} ${gf(fl,t3)}`);
}
const a = tf.randomNormal([1024, 1024]); const b = tf.randomNormal([1024, 1024]);
const t = time(() => tf.matMul(a, b), 5); console.log('1024^3', gf(2 * 1024 ** 3, t));
for (const [B, M, K, N] of [[80, 53, 16, 131], [80, 53, 131, 16], [32, 128, 32, 128], [32, 128, 128, 32]]) {
  const a = tf.randomNormal([B, M, K]); const b = tf.randomNormal([B, K, N]);
  const fl = 2 * B * M * K * N;
  const t1 = time(() => tf.matMul(a, b));
  const t2 = time(() => tf.tidy(() => { const as = tf.unstack(a); const bs = tf.unstack(b); return tf.stack(as.map((x, i) => tf.matMul(x, bs[i]))); }));
  const t3 = time(() => tf.tidy(() => { const as = tf.split(a.reshape([B*M, K]), B); const bs = tf.unstack(b); return tf.concat(as.map((x, i) => tf.matMul(x, bs[i]))).reshape([B,M,N]); }));
  console.log(`[${B},${M},${K}]x[${B},${K},${N}] batched ${t1.toFixed(2)}ms ${gf(fl, t1)} | unstack ${t2.toFixed(2)}ms ${gf(fl, t2)} | split/concat ${t3.toFixed(2)} ${gf(fl,t3)}`);
}
