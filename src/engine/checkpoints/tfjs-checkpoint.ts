/**
 * Policy checkpoints in TensorFlow.js's weights format: `model.json` (our model shape plus a tfjs
 * weights manifest) and one binary weights file, encoded/decoded with tf.io.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random';
import { Policy, type ModelShape } from '../policy/model';

export const CHECKPOINT_FORMAT = 'infopo-sandbox/policy@1';

export interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  shape: ModelShape;
  tokenizer: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export async function exportPolicy(policy: Policy, tokenizer = 'infopo-words'): Promise<{ modelJson: string; weights: ArrayBuffer }> {
  const named = policy.names().map((name) => ({ name, tensor: policy.get(name) as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const json: CheckpointJson = { format: CHECKPOINT_FORMAT, shape: policy.shape, tokenizer, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  return { modelJson: JSON.stringify(json, null, 1), weights: data as ArrayBuffer };
}

/** Rebuild a policy from model.json text and its weights; errors name what does not match. */
export function importPolicy(modelJson: string, weights: ArrayBuffer, expectedVocab?: number): Policy {
  const { shape, tensors } = decodeCheckpoint(modelJson, weights, expectedVocab);
  const policy = new Policy(shape, new Rng(0));
  try {
    policy.load(tensors);
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return policy;
}

export function decodeCheckpoint(modelJson: string, weights: ArrayBuffer, expectedVocab?: number): { shape: ModelShape; tensors: Map<string, tf.Tensor> } {
  let json: CheckpointJson;
  try {
    json = JSON.parse(modelJson);
  } catch (e) {
    throw new Error(`model.json is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== CHECKPOINT_FORMAT) throw new Error(`model.json: format is ${JSON.stringify(json.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (expectedVocab !== undefined && json.shape.vocabSize !== expectedVocab) throw new Error(`checkpoint vocabulary has ${json.shape.vocabSize} tokens, the tokenizer ${expectedVocab}`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const expectedBytes = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.byteLength !== expectedBytes) throw new Error(`weights file has ${weights.byteLength} bytes, model.json describes ${expectedBytes}`);
  const decoded = tf.io.decodeWeights(weights, specs);
  return { shape: json.shape, tensors: new Map(Object.entries(decoded)) };
}

/** Where the shipped all-task warm-start checkpoint lives under models/. */
export const WARM_START_NAME = 'infopo-warm';

/** `init=imported`: the checkpoint the page's user imported (held by the worker). */
export const IMPORTED_INIT = 'imported';

/** The models/ folder an `init` value names (`pretrained` is the all-task warm start), or a path as given. */
export function checkpointNameOf(init: string): string {
  return init === 'pretrained' ? WARM_START_NAME : init;
}

/** An `init` value with a path separator names a folder on disk (command line only), not one under models/. */
export function isCheckpointPath(init: string): boolean {
  return /[/\\]/.test(init);
}
