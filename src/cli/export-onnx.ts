/**
 * npm run export-onnx -- DIR [DIR ...]
 * Writes DIR/onnx/model.onnx for a checkpoint folder in the Hugging Face layout, so transformers.js
 * loads DIR as a `gpt2` causal LM (`AutoModelForCausalLM.from_pretrained`, `pipeline('text-generation')`).
 * Each export is checked at once with onnxruntime-node: the logits of a random prompt, run in two
 * parts through the KV cache, must match the TensorFlow.js policy within 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkpointLayout, type Policy, policyFromFiles, policyToOnnx } from '../engine';
import { readCheckpointFolder } from './checkpoint-folder';
import { eachFolderMain } from './node-env';

export const PARITY_TOLERANCE = 1e-4;

/**
 * Largest |logit difference| between the policy and the ONNX model on `ids`, the ONNX model fed
 * the first `split` tokens, then the rest with the first part's key/value cache.
 */
export async function onnxParity(policy: Policy, onnxBytes: Uint8Array, ids: number[], split: number): Promise<number> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnxBytes);
  const { nLayers: L, nHeads: H, dModel: d, vocabSize: V } = policy.shape;
  const i64 = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));
  const run = async (part: number[], start: number, past: Record<string, InstanceType<typeof ort.Tensor>> | null) => {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: new ort.Tensor('int64', i64(part), [1, part.length]),
      attention_mask: new ort.Tensor('int64', i64(Array(start + part.length).fill(1)), [1, start + part.length]),
      position_ids: new ort.Tensor('int64', i64(part.map((_, i) => start + i)), [1, part.length]),
    };
    for (let l = 0; l < L; l++)
      for (const kv of ['key', 'value'])
        feeds[`past_key_values.${l}.${kv}`] = past ? past[`present.${l}.${kv}`] : new ort.Tensor('float32', new Float32Array(0), [1, H, 0, d / H]);
    return session.run(feeds);
  };
  const first = await run(ids.slice(0, split), 0, null);
  const second = await run(ids.slice(split), split, first as Record<string, InstanceType<typeof ort.Tensor>>);
  const got = new Float32Array(ids.length * V);
  got.set(first.logits.data as Float32Array, 0);
  got.set(second.logits.data as Float32Array, split * V);
  const input = tf.tensor2d([ids], [1, ids.length], 'int32');
  const { logits } = policy.forward(input);
  const ref = (await logits.data()) as Float32Array;
  tf.dispose([input, logits]);
  let max = 0;
  for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i] - got[i]));
  return max;
}

export async function exportOnnx(dirArg: string): Promise<string> {
  const dir = resolve(dirArg);
  const files = readCheckpointFolder(dir);
  if (checkpointLayout(files, dir) !== 'hf') throw new Error(`${dir} is in the legacy layout: run npm run convert-checkpoint -- ${dirArg} first (transformers.js reads config.json and the tokenizer files)`);
  const { policy } = policyFromFiles(files, undefined, dir);
  try {
    const bytes = await policyToOnnx(policy);
    // A fixed prompt of random ids: the export's own parity check, over the KV-cache path too.
    const T = Math.min(policy.shape.maxContext, 24);
    const ids = Array.from({ length: T }, (_, i) => (i * 7919 + 13) % policy.shape.vocabSize);
    const diff = await onnxParity(policy, bytes, ids, Math.floor(T / 2));
    if (!(diff <= PARITY_TOLERANCE)) throw new Error(`${dir}: ONNX logits differ from the policy's by ${diff} (> ${PARITY_TOLERANCE}); nothing written`);
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(join(dir, 'onnx', 'model.onnx'), bytes);
    return `${dir}/onnx/model.onnx: ${bytes.byteLength} bytes, logits within ${diff.toExponential(2)} of the policy (KV-cache path included)`;
  } finally {
    policy.dispose();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await eachFolderMain('export-onnx', exportOnnx);
