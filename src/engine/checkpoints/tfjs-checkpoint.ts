/**
 * The legacy checkpoint layout, TensorFlow.js's weights format: `model.json` (our model shape plus
 * a tfjs weights manifest) and one binary `weights.bin`, decoded with tf.io. Nothing writes it any
 * more (docs/models.md): hf-checkpoint.ts reads it so that older folders still load, and the
 * encoder is kept for the tests that write such a folder and check it still reads.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelShape, Policy } from '../policy/model';

const LEGACY_FORMAT = 'infopo-sandbox/policy@1';

interface LegacyModelJson {
  format: typeof LEGACY_FORMAT;
  shape: ModelShape;
  tokenizer: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** A legacy folder's two files for `policy`, as the old exporter wrote them: only tests of reading old folders use it. */
export async function encodeLegacyCheckpoint(policy: Policy, tokenizer = 'infopo-words'): Promise<{ 'model.json': Uint8Array; 'weights.bin': Uint8Array }> {
  const named = policy.names().map((name) => ({ name, tensor: policy.get(name) as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const json: LegacyModelJson = { format: LEGACY_FORMAT, shape: policy.shape, tokenizer, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  return { 'model.json': new TextEncoder().encode(JSON.stringify(json, null, 1)), 'weights.bin': new Uint8Array(data as ArrayBuffer) };
}

/** model.json's text and weights.bin's bytes into our parameter tensors (the caller disposes them); errors name what does not match. */
export function decodeLegacyCheckpoint(modelJson: string, weights: ArrayBuffer): { shape: ModelShape; tensors: Map<string, tf.Tensor> } {
  let json: LegacyModelJson;
  try {
    json = JSON.parse(modelJson);
  } catch (e) {
    throw new Error(`model.json is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== LEGACY_FORMAT) throw new Error(`model.json: format is ${JSON.stringify(json.format)}, expected "${LEGACY_FORMAT}"`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const expectedBytes = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.byteLength !== expectedBytes) throw new Error(`weights file has ${weights.byteLength} bytes, model.json describes ${expectedBytes}`);
  const decoded = tf.io.decodeWeights(weights, specs);
  return { shape: json.shape, tensors: new Map(Object.entries(decoded)) };
}
