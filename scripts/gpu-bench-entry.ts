/**
 * The entry of the real-GPU pack's one JS bundle (scripts/pack-gpu-bench.ts): by default it is
 * `npm run bench` itself (src/cli/bench.ts, same flags), so the pack measures exactly what the
 * bench measures. Two modes of the pack's own come first:
 *   --pack-self-test wasm|webgpu   start the backend from the pack's files, load the tokenizer and
 *                                  the demo's warm start, check one divergence case against the
 *                                  float64 reference: seconds, a JSON line on stdout
 *   --pack-summary WEBGPU.json WASM.json GPU_NAME OUT.json
 *                                  issue 23's two real-GPU goals from the bench's JSON
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { compareToReference, configFromPresets, counterfactualDivergence, divergenceReference, hasFusedDivergenceKernel, makeDivergenceCase, passes, PARITY_CASES, policyFromFiles } from '../src/engine';
import { nodeBackend, nodePretrained, nodeTokenizer, quietTfjsBanner } from '../src/cli/node-env';
import { summariseGoals } from './gpu-bench-summary';

async function selfTest(backend: string): Promise<void> {
  if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--pack-self-test: expected wasm or webgpu, got "${backend}"`);
  quietTfjsBanner();
  const t0 = performance.now();
  const choice = await nodeBackend(backend);
  const tokenizer = await nodeTokenizer();
  const demo = configFromPresets(['demo']);
  // The warm start decoded into a policy on this backend, its tokenizer checked against ours.
  const { policy } = policyFromFiles(await nodePretrained(demo.init), tokenizer, `models/${demo.init}`);
  const parameters = policy.parameterCount();
  policy.dispose();
  // One case with masked (-inf-like) logits through what the bench times on this backend: the fused WGSL
  // kernel on webgpu, tfjs's ops on wasm (it has no kernel).
  const impl = hasFusedDivergenceKernel() ? 'kernel' : 'ops';
  const spec = PARITY_CASES.find((c) => c.name === 'masked V=1000');
  if (!spec) throw new Error('self-test: the parity case "masked V=1000" is gone from PARITY_CASES');
  const c = makeDivergenceCase(spec);
  const before = tf.memory().numTensors;
  const [real, masked, tokens] = [tf.tensor2d(c.real, [c.positions, c.vocab]), tf.tensor2d(c.masked, [c.positions, c.vocab]), tf.tensor1d(c.tokens, 'int32')];
  const out = counterfactualDivergence(real, masked, tokens, impl);
  const [logRatio, kl] = await Promise.all([out.logRatio.data(), out.kl.data()]);
  tf.dispose([real, masked, tokens, out.logRatio, out.kl]);
  const ref = divergenceReference(c.real, c.masked, c.tokens, c.positions, c.vocab);
  const stats = { logRatio: compareToReference(logRatio, ref.logRatio), kl: compareToReference(kl, ref.kl) };
  const ok = passes(stats.logRatio) && passes(stats.kl) && tf.memory().numTensors === before;
  const report = { ok, backend: choice.backend, adapter: choice.adapter, software: choice.software, threads: choice.threads, node: process.versions.node, tokenizer_vocab: tokenizer.vocabSize, warm_start: `models/${demo.init}`, warm_start_parameters: parameters, parity_case: spec.name, impl, max_abs: { log_ratio: stats.logRatio.maxAbs, kl: stats.kl.maxAbs }, ms: Math.round(performance.now() - t0) };
  process.stdout.write(JSON.stringify(report) + '\n');
  if (!ok) throw new Error(`self-test on ${choice.backend}: the divergence (${impl}) does not match the float64 reference (${spec.name}: ${JSON.stringify(report.max_abs)}) or leaked tensors`);
}

function summary([webgpuPath, wasmPath, gpuName, outPath]: string[]): void {
  if (!outPath) throw new Error('--pack-summary: expected WEBGPU.json WASM.json GPU_NAME OUT.json');
  const read = (p: string) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null);
  const s = summariseGoals(read(webgpuPath), read(wasmPath), gpuName);
  writeFileSync(outPath, JSON.stringify({ format: 'infopo-sandbox/gpu-goals@1', date: new Date().toISOString(), ...s }, null, 1) + '\n');
  for (const line of s.lines) console.log(line);
}

const argv = process.argv.slice(2);
if (argv[0] === '--pack-self-test' || argv[0] === '--pack-summary') {
  const run = argv[0] === '--pack-self-test' ? selfTest(argv[1] ?? '') : Promise.resolve(summary(argv.slice(1)));
  // Exit explicitly: Dawn keeps a timer on the event loop (src/cli/node-webgpu.ts).
  run.then(() => process.exit(0), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
} else {
  // src/cli/bench.ts parses process.argv and exits when done.
  await import('../src/cli/bench');
}
