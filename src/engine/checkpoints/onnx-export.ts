/**
 * The policy as an ONNX causal-LM graph that transformers.js runs as a `gpt2` model
 * (`onnx/model.onnx` beside the Hugging Face folder's config.json): inputs `input_ids`,
 * `attention_mask`, `position_ids`, `past_key_values.{l}.key|value` [B, H, P, dh]; outputs `logits`
 * [B, T, V] and `present.{l}.key|value` [B, H, P+T, dh], so generation runs with a KV cache.
 * The graph is built as protobuf messages with onnx-proto (opset 17: LayerNormalization), with
 * the same math as policy/model.ts; weights are embedded as float32 initializers.
 */
import * as onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';
import type { ModelShape } from '../policy/model';

// onnx-proto is CommonJS: Node's ESM loader exposes it as the default export, bundlers as either.
const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
const F32 = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const A = onnx.AttributeProto.AttributeType;
export const ONNX_OPSET = 17;
/** Masked attention logits; the tfjs model adds the same value (policy/model.ts MASKED). */
const NEG = -1e9;

type Dim = number | string;
function valueInfo(name: string, elemType: number, dims: Dim[]): O.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array, dataType: number): O.ITensorProto {
  const bytes = new Uint8Array(data.byteLength);
  // ONNX raw_data is little-endian; so is every platform these tools run on (checked by safetensors.ts too).
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return { name, dims, dataType, rawData: bytes };
}

class GraphBuilder {
  readonly nodes: O.INodeProto[] = [];
  readonly initializers: O.ITensorProto[] = [];
  private n = 0;
  op(opType: string, inputs: string[], attrs: O.IAttributeProto[] = [], outputs = 1, name?: string): string[] {
    const id = `${opType}_${this.n++}`;
    const outs = Array.from({ length: outputs }, (_, i) => (outputs === 1 && name ? name : `${id}_out${i}`));
    this.nodes.push({ opType, input: inputs, output: outs, name: id, attribute: attrs });
    return outs;
  }
  one(opType: string, inputs: string[], attrs: O.IAttributeProto[] = [], name?: string): string {
    return this.op(opType, inputs, attrs, 1, name)[0];
  }
  f32(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(tensor(name, dims, data, F32));
    return name;
  }
  i64(name: string, values: number[]): string {
    this.initializers.push(tensor(name, [values.length], BigInt64Array.from(values.map(BigInt)), I64));
    return name;
  }
  scalarI64(name: string, value: number): string {
    this.initializers.push(tensor(name, [], BigInt64Array.from([BigInt(value)]), I64));
    return name;
  }
  scalarF32(name: string, value: number): string {
    this.initializers.push(tensor(name, [], Float32Array.from([value]), F32));
    return name;
  }
}

const ints = (name: string, v: number[]): O.IAttributeProto => ({ name, type: A.INTS, ints: v });
const int = (name: string, v: number): O.IAttributeProto => ({ name, type: A.INT, i: v });
const float = (name: string, v: number): O.IAttributeProto => ({ name, type: A.FLOAT, f: v });

/** Build the ONNX model; `weights` maps our parameter names (policy/model.ts) to their values. */
export function buildOnnxModel(shape: ModelShape, weights: Map<string, Float32Array>): Uint8Array {
  const { vocabSize: V, dModel: d, nLayers: L, nHeads: H, maxContext } = shape;
  const dh = d / H;
  const w = (name: string) => {
    const v = weights.get(name);
    if (!v) throw new Error(`no weights for ${name}`);
    return v;
  };
  const g = new GraphBuilder();
  const wte = g.f32('wte', [V, d], w('wte'));
  const wpe = g.f32('wpe', [maxContext, d], w('wpe'));

  // Embeddings: token + position.
  const x0 = g.one('Add', [g.one('Gather', [wte, 'input_ids'], [int('axis', 0)]), g.one('Gather', [wpe, 'position_ids'], [int('axis', 0)])]);

  // Additive mask [B, 1, T, S]: key position j visible to query i iff j <= P + i and attention_mask[b, j] = 1.
  const zero = g.scalarI64('c_zero', 0);
  const oneI = g.scalarI64('c_one', 1);
  const idx1 = g.i64('c_idx1', [1]);
  const T = g.one('Gather', [g.one('Shape', ['input_ids']), g.scalarI64('c_axis1', 1)], [int('axis', 0)]);
  const S = g.one('Gather', [g.one('Shape', ['attention_mask']), g.scalarI64('c_axis1b', 1)], [int('axis', 0)]);
  const P = g.one('Sub', [S, T]);
  const qPos = g.one('Unsqueeze', [g.one('Range', [P, S, oneI]), idx1]); // [T, 1]
  const kPos = g.one('Unsqueeze', [g.one('Range', [zero, S, oneI]), g.i64('c_idx0', [0])]); // [1, S]
  const causal = g.one('Unsqueeze', [g.one('LessOrEqual', [kPos, qPos]), g.i64('c_idx01', [0, 1])]); // [1, 1, T, S]
  const keep = g.one('Unsqueeze', [g.one('Cast', ['attention_mask'], [int('to', onnx.TensorProto.DataType.BOOL)]), g.i64('c_idx12', [1, 2])]); // [B, 1, 1, S]
  const bias = g.one('Where', [g.one('And', [causal, keep]), g.scalarF32('c_f0', 0), g.scalarF32('c_neg', NEG)]);

  const heads = g.i64('c_heads_shape', [0, 0, H, dh]);
  const merge = g.i64('c_merge_shape', [0, 0, d]);
  const split3 = g.i64('c_split3', [d, d, d]);
  const scale = g.scalarF32('c_scale', 1 / Math.sqrt(dh));
  const eps = [float('epsilon', 1e-5), int('axis', -1)];
  let x = x0;
  for (let l = 0; l < L; l++) {
    const p = (n: string, dims: number[]) => g.f32(`h${l}.${n}`, dims, w(`h${l}.${n}`));
    const h = g.one('LayerNormalization', [x, p('ln1.g', [d]), p('ln1.b', [d])], eps);
    const qkv = g.one('Add', [g.one('MatMul', [h, p('attn.wqkv', [d, 3 * d])]), p('attn.bqkv', [3 * d])]);
    const [q, k, v] = g.op('Split', [qkv, split3], [int('axis', 2)], 3).map((t) => g.one('Transpose', [g.one('Reshape', [t, heads])], [ints('perm', [0, 2, 1, 3])]));
    const kAll = g.one('Concat', [`past_key_values.${l}.key`, k], [int('axis', 2)], `present.${l}.key`);
    const vAll = g.one('Concat', [`past_key_values.${l}.value`, v], [int('axis', 2)], `present.${l}.value`);
    const scores = g.one('Add', [g.one('Mul', [g.one('MatMul', [q, g.one('Transpose', [kAll], [ints('perm', [0, 1, 3, 2])])]), scale]), bias]);
    const att = g.one('MatMul', [g.one('Softmax', [scores], [int('axis', -1)]), vAll]);
    const merged = g.one('Reshape', [g.one('Transpose', [att], [ints('perm', [0, 2, 1, 3])]), merge]);
    x = g.one('Add', [x, g.one('Add', [g.one('MatMul', [merged, p('attn.wo', [d, d])]), p('attn.bo', [d])])]);
    const h2 = g.one('LayerNormalization', [x, p('ln2.g', [d]), p('ln2.b', [d])], eps);
    const up = g.one('Relu', [g.one('Add', [g.one('MatMul', [h2, p('mlp.w1', [d, 4 * d])]), p('mlp.b1', [4 * d])])]);
    x = g.one('Add', [x, g.one('Add', [g.one('MatMul', [up, p('mlp.w2', [4 * d, d])]), p('mlp.b2', [d])])]);
  }
  const xf = g.one('LayerNormalization', [x, g.f32('lnf.g', [d], w('lnf.g')), g.f32('lnf.b', [d], w('lnf.b'))], eps);
  g.one('MatMul', [xf, g.f32('head', [d, V], w('head'))], [], 'logits');

  const kv = (prefix: string, len: string) =>
    Array.from({ length: L }, (_, l) => [valueInfo(`${prefix}.${l}.key`, F32, ['batch_size', H, len, dh]), valueInfo(`${prefix}.${l}.value`, F32, ['batch_size', H, len, dh])]).flat();
  const graph: O.IGraphProto = {
    name: 'infopo-sandbox-policy',
    node: g.nodes,
    initializer: g.initializers,
    input: [
      valueInfo('input_ids', I64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', I64, ['batch_size', 'total_sequence_length']),
      valueInfo('position_ids', I64, ['batch_size', 'sequence_length']),
      ...kv('past_key_values', 'past_sequence_length'),
    ],
    output: [valueInfo('logits', F32, ['batch_size', 'sequence_length', V]), ...kv('present', 'total_sequence_length')],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'infopo-sandbox',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A policy's current weights as the ONNX model's bytes. */
export async function policyToOnnx(policy: { shape: ModelShape; names(): string[]; get(name: string): { data(): Promise<unknown> } }): Promise<Uint8Array> {
  const weights = new Map<string, Float32Array>();
  for (const name of policy.names()) weights.set(name, (await policy.get(name).data()) as Float32Array);
  return buildOnnxModel(policy.shape, weights);
}
