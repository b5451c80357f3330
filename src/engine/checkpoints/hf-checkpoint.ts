/**
 * Policy checkpoints as Hugging Face model folders, as bytes (browser-safe; the Node host writes
 * and reads real folders, the page zips them). The layout is a `GPT2LMHeadModel` (model_type
 * gpt2, activation relu, untied head), because the sandbox's policy is exactly that network:
 *
 *   config.json             architecture, sizes, special-token ids, and an `infopo_sandbox` block
 *   model.safetensors       float32 weights under GPT-2's tensor names (mapping: docs/models.md)
 *   generation_config.json  bos/eos/pad ids, greedy decoding as the sandbox evaluates
 *   tokenizer.json, tokenizer_config.json   the word-level tokenizer the weights were trained with
 *   README.md               model card: data, config and seed, measured test success, command
 *
 * Reading also accepts the legacy tfjs layout (model.json + weights.bin, tfjs-checkpoint.ts), which
 * nothing writes any more. Every mismatch with the run that loads a checkpoint (shape, special ids,
 * tokenizer vocabulary) is an error naming it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config';
import { decodeLegacyCheckpoint } from './tfjs-checkpoint';
import { Policy, type ModelShape } from '../policy/model';
import { decodeSafetensors, encodeSafetensors, f32Tensor, f32Values } from './safetensors';
import { Rng } from '../random';
import { withChatTemplate } from '../text/chat-template';
import { parameterCount } from '../runtime/resources';
import type { EvaluationEntry } from '../run';
import { BOS, EOT, PAD, SPECIAL_TOKENS, UNK } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';

/** A checkpoint folder's files: name -> bytes. */
export type CheckpointFiles = Record<string, Uint8Array>;

export const HF_CHECKPOINT_FORMAT = 'infopo-sandbox/hf-checkpoint@1';
export const HF_FILES = ['config.json', 'model.safetensors', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'README.md'] as const;
export const LEGACY_FILES = ['model.json', 'weights.bin'] as const;
const LAYER_NORM_EPS = 1e-5; // ops.ts layerNorm's default

/** What the model card and config.json say about how the weights were made. */
export interface CheckpointMeta {
  /** Card title (e.g. the folder name). */
  name: string;
  /** The exact command that produced the weights. */
  madeBy: string;
  /** The resolved config of the run (warm start or RL) that produced them. */
  config?: Config;
  /** Measured test-split evaluations, oldest first; the card reports the last. */
  evaluations?: EvaluationEntry[];
  warmStartLoss?: number | null;
  /** The run record's fingerprint, when the weights come from `npm run experiment`. */
  fingerprint?: string;
  /** ISO time the checkpoint was written. */
  createdAt?: string;
  /** Free text added to the card (e.g. how it was converted). */
  notes?: string;
}

/** The tokenizer the weights were trained with, as its two Hugging Face files. */
export interface TokenizerFiles {
  'tokenizer.json': Uint8Array | string;
  'tokenizer_config.json': Uint8Array | string;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);
const bytesOf = (x: Uint8Array | string) => (typeof x === 'string' ? enc(x) : x);

// ---------------------------------------------------------------- tensor names

/** Our parameter name -> the GPT-2 (transformers GPT2LMHeadModel) tensor name, and whether it is stored transposed. */
export function hfTensorName(name: string): { hf: string; transpose: boolean } {
  if (name === 'wte') return { hf: 'transformer.wte.weight', transpose: false };
  if (name === 'wpe') return { hf: 'transformer.wpe.weight', transpose: false };
  if (name === 'lnf.g') return { hf: 'transformer.ln_f.weight', transpose: false };
  if (name === 'lnf.b') return { hf: 'transformer.ln_f.bias', transpose: false };
  // Ours is x @ head [d, V]; nn.Linear stores [out, in] = [V, d].
  if (name === 'head') return { hf: 'lm_head.weight', transpose: true };
  const m = /^h(\d+)\.(.+)$/.exec(name);
  const block: Record<string, string> = {
    'ln1.g': 'ln_1.weight',
    'ln1.b': 'ln_1.bias',
    // GPT-2's Conv1D stores [in, out], as ours: no transpose; q, k, v are the thirds of the 3d axis in both.
    'attn.wqkv': 'attn.c_attn.weight',
    'attn.bqkv': 'attn.c_attn.bias',
    'attn.wo': 'attn.c_proj.weight',
    'attn.bo': 'attn.c_proj.bias',
    'ln2.g': 'ln_2.weight',
    'ln2.b': 'ln_2.bias',
    'mlp.w1': 'mlp.c_fc.weight',
    'mlp.b1': 'mlp.c_fc.bias',
    'mlp.w2': 'mlp.c_proj.weight',
    'mlp.b2': 'mlp.c_proj.bias',
  };
  if (m && block[m[2]]) return { hf: `transformer.h.${m[1]}.${block[m[2]]}`, transpose: false };
  throw new Error(`no Hugging Face name for parameter ${name}`);
}

/** The policy's parameter names in model.ts order (without building a model). */
export function parameterNames(nLayers: number): string[] {
  const block = ['ln1.g', 'ln1.b', 'attn.wqkv', 'attn.bqkv', 'attn.wo', 'attn.bo', 'ln2.g', 'ln2.b', 'mlp.w1', 'mlp.b1', 'mlp.w2', 'mlp.b2'];
  return ['wte', 'wpe', ...Array.from({ length: nLayers }, (_, l) => block.map((n) => `h${l}.${n}`)).flat(), 'lnf.g', 'lnf.b', 'head'];
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

// ---------------------------------------------------------------- writing

export function hfConfig(shape: ModelShape, meta?: CheckpointMeta, tokenizerName = 'infopo-words'): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: shape.vocabSize,
    n_positions: shape.maxContext,
    n_ctx: shape.maxContext,
    n_embd: shape.dModel,
    n_layer: shape.nLayers,
    n_head: shape.nHeads,
    n_inner: 4 * shape.dModel,
    activation_function: 'relu',
    layer_norm_epsilon: LAYER_NORM_EPS,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: false,
    use_cache: true,
    bos_token_id: BOS,
    eos_token_id: EOT,
    pad_token_id: PAD,
    torch_dtype: 'float32',
    infopo_sandbox: {
      format: HF_CHECKPOINT_FORMAT,
      tokenizer: tokenizerName,
      special_tokens: Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [t, i])),
      ...(meta ? { made_by: meta.madeBy, fingerprint: meta.fingerprint ?? null, created_at: meta.createdAt ?? null } : {}),
      ...(meta?.config ? { config: meta.config } : {}),
      ...(meta?.evaluations ? { evaluations: meta.evaluations } : {}),
      ...(meta && meta.warmStartLoss !== undefined ? { warm_start_loss: meta.warmStartLoss } : {}),
      ...(meta?.notes ? { notes: meta.notes } : {}),
    },
  };
}

export function generationConfig(meta?: CheckpointMeta): Record<string, unknown> {
  return {
    bos_token_id: BOS,
    eos_token_id: EOT,
    pad_token_id: PAD,
    // The sandbox evaluates greedily and ends an agent action at <eot>; an agent never emits the
    // other special tokens (policy-agent.ts), so generation bans them as the sandbox does.
    do_sample: false,
    bad_words_ids: SPECIAL_TOKENS.map((_, id) => id).filter((id) => id !== EOT).map((id) => [id]),
    // maxActionTokens counts the action's <eot> too.
    ...(meta?.config ? { max_new_tokens: meta.config.maxActionTokens } : {}),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function modelCard(shape: ModelShape, params: number, meta: CheckpointMeta): string {
  const c = meta.config;
  const last = meta.evaluations?.[meta.evaluations.length - 1];
  const lines = [
    '---',
    'library_name: transformers',
    'pipeline_tag: text-generation',
    'license: mit',
    'tags: [infopo-sandbox, infopo, grpo, gpt2, multi-turn-rl]',
    '---',
    '',
    `# ${meta.name}`,
    '',
    `A ${params.toLocaleString('en-US')}-parameter word-level policy from the InfoPO Sandbox (InfoPO, arXiv 2603.00656): an agent that asks the user before it acts.`,
    `GPT-2 layout (model_type gpt2, ReLU MLP, untied head): ${shape.nLayers} layers, width ${shape.dModel}, ${shape.nHeads} heads, context ${shape.maxContext} tokens, vocabulary ${shape.vocabSize} words.`,
    '',
    '## How it was made',
    '',
    '```',
    meta.madeBy,
    '```',
    '',
  ];
  if (c) {
    lines.push(
      `- Trained on: ${c.task.split(',').join(', ')} (the sandbox's simulated-user tasks; see docs/tasks.md), persona ${c.persona}${c.persona === 'noisy' && c.noise ? `, user noise ${c.noise}` : ''}.`,
      c.steps > 0
        ? `- Method: ${c.method}; seed ${c.seed}; init ${c.init}; supervised warm-start steps ${c.sftSteps}; RL steps ${c.steps} (${c.promptsPerStep} prompts x group ${c.groupSize}).`
        : `- Supervised warm start only (imitation of the tasks' scripted demonstrations, ${c.sftSteps} steps of ${c.sftBatch} dialogues, lr ${c.sftLr}); seed ${c.seed}; init ${c.init}; no RL steps.`,
    );
    if (meta.warmStartLoss !== undefined && meta.warmStartLoss !== null) lines.push(`- Final warm-start loss: ${meta.warmStartLoss.toFixed(4)}.`);
    if (meta.fingerprint) lines.push(`- Run fingerprint: \`${meta.fingerprint}\`.`);
    lines.push('', 'The full resolved config is in `config.json` under `infopo_sandbox.config`.', '');
  } else lines.push('No training config was recorded with these weights.', '');
  lines.push('## Measured test success', '');
  if (last) {
    // The evaluation decodes as the run's config says (paper presets sample at T = 1).
    const decoding = c && c.evalTemperature > 0 ? `Sampled decoding (T = ${c.evalTemperature})` : 'Greedy decoding';
    lines.push(`${decoding} on the test split, ${last.episodes} episodes, persona ${last.persona}, after step ${last.step}: success **${pct(last.success)}**, mean return ${last.return.toFixed(3)}, ${last.turns.toFixed(2)} turns.`, '');
    const tasks = Object.entries(last.per_task);
    if (tasks.length) {
      lines.push('| task | episodes | success | return | turns |', '|---|---|---|---|---|');
      for (const [t, r] of tasks) lines.push(`| ${t} | ${r.episodes} | ${pct(r.success)} | ${r.return.toFixed(3)} | ${r.turns.toFixed(2)} |`);
      lines.push('');
    }
    if (meta.evaluations!.length > 1) lines.push(`Earlier evaluations (step: success): ${meta.evaluations!.slice(0, -1).map((e) => `${e.step}: ${pct(e.success)}`).join(', ')}.`, '');
  } else lines.push('Not measured: no test evaluation was recorded with these weights.', '');
  if (meta.notes) lines.push(meta.notes, '');
  lines.push(
    '## Use',
    '',
    'In the sandbox: `npm run experiment -- --set init=PATH/TO/THIS/FOLDER`, or import the folder on the page (Export and import, "Import checkpoint").',
    'The tensor names and layout follow `GPT2LMHeadModel`; docs/models.md of the sandbox lists the mapping.',
    "transformers.js: `npm run export-onnx -- THIS/FOLDER` adds `onnx/model.onnx` (a gpt2 causal LM with a KV cache); then `AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32' })` or `pipeline('text-generation', name, { dtype: 'fp32' })`.",
    `Dialogue format: \`<bos> <user> request <eot> <agent> action <eot> <user> feedback <eot> <agent> ...\`; an action ends at \`<eot>\` (id ${EOT}).`,
    '',
  );
  return lines.join('\n');
}

/**
 * The model card of a Hugging Face folder written afresh from its own config.json (after a change
 * to `modelCard`), titled `name`: what config.json's `infopo_sandbox` block recorded, the notes
 * included. Cards written before config.json kept the notes keep their conversion line.
 */
export function cardFromConfig(files: CheckpointFiles, name: string, what = 'checkpoint'): string {
  if (!files['config.json']) throw new Error(`${what}: config.json is missing (the card is written from it; a legacy folder needs npm run convert-checkpoint first)`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(dec(files['config.json']));
  } catch (e) {
    throw new Error(`${what}: config.json is not valid JSON (${(e as Error).message})`);
  }
  const m = (config.infopo_sandbox ?? {}) as { made_by?: string; fingerprint?: string | null; created_at?: string | null; config?: Config; evaluations?: EvaluationEntry[]; warm_start_loss?: number | null; notes?: string };
  const shape: ModelShape = { vocabSize: num(config, 'vocab_size'), dModel: num(config, 'n_embd'), nLayers: num(config, 'n_layer'), nHeads: num(config, 'n_head'), maxContext: num(config, 'n_positions') };
  const oldCard = files['README.md'] ? dec(files['README.md']) : '';
  const notes = m.notes ?? /\n(Converted from the legacy[^\n]*)\n/.exec(oldCard)?.[1];
  const meta: CheckpointMeta = { name, madeBy: m.made_by ?? 'unknown (config.json records no command)', fingerprint: m.fingerprint ?? undefined, createdAt: m.created_at ?? undefined, config: m.config, evaluations: m.evaluations, warmStartLoss: m.warm_start_loss, notes };
  return modelCard(shape, parameterCount(shape, shape.vocabSize), meta);
}

/** A policy (+ its tokenizer files and card metadata) as the files of a Hugging Face model folder. */
export async function checkpointToFiles(policy: Policy, tokenizer: TokenizerFiles, meta: CheckpointMeta): Promise<CheckpointFiles> {
  const vocab = tokenizerVocab(bytesOf(tokenizer['tokenizer.json']));
  if (vocab.length !== policy.shape.vocabSize) throw new Error(`tokenizer.json has ${vocab.length} tokens, the policy's vocabulary ${policy.shape.vocabSize}`);
  const tensors: [string, ReturnType<typeof f32Tensor>][] = [];
  for (const name of policy.names()) {
    const v = policy.get(name);
    const data = (await v.data()) as Float32Array;
    const { hf, transpose } = hfTensorName(name);
    if (transpose) {
      const [rows, cols] = v.shape;
      tensors.push([hf, f32Tensor(transpose2d(data, rows, cols), [cols, rows])]);
    } else tensors.push([hf, f32Tensor(data, v.shape)]);
  }
  // transformers refuses safetensors files whose metadata lacks a known `format`.
  const safetensors = encodeSafetensors(tensors, { format: 'pt', infopo_sandbox: HF_CHECKPOINT_FORMAT });
  let tokenizerConfig: Record<string, unknown>;
  try {
    tokenizerConfig = JSON.parse(dec(bytesOf(tokenizer['tokenizer_config.json'])));
  } catch (e) {
    throw new Error(`tokenizer_config.json is not valid JSON: ${(e as Error).message}`);
  }
  const json = (o: unknown) => enc(JSON.stringify(o, null, 2) + '\n');
  return {
    'config.json': json(hfConfig(policy.shape, meta)),
    'model.safetensors': safetensors,
    'generation_config.json': json(generationConfig(meta)),
    'tokenizer.json': bytesOf(tokenizer['tokenizer.json']),
    // A chat template, so that chat-based trainers (the reference's verl rollout) can render conversations in the sandbox's layout.
    'tokenizer_config.json': json(withChatTemplate(tokenizerConfig)),
    'README.md': enc(modelCard(policy.shape, policy.parameterCount(), meta)),
  };
}

// ---------------------------------------------------------------- reading

/** The ids of tokenizer.json's WordLevel vocabulary, as a token per id. */
export function tokenizerVocab(bytes: Uint8Array): string[] {
  let json: { model?: { type?: string; vocab?: Record<string, number> } };
  try {
    json = JSON.parse(dec(bytes));
  } catch (e) {
    throw new Error(`tokenizer.json is not valid JSON: ${(e as Error).message}`);
  }
  if (json.model?.type !== 'WordLevel' || !json.model.vocab) throw new Error(`tokenizer.json: model type is ${JSON.stringify(json.model?.type)}, the sandbox's tokenizer is WordLevel`);
  const tokens: string[] = [];
  for (const [t, id] of Object.entries(json.model.vocab)) tokens[id] = t;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === undefined) throw new Error(`tokenizer.json: no token has id ${i}`);
  return tokens;
}

export type CheckpointLayout = 'hf' | 'legacy';

export interface DecodedCheckpoint {
  layout: CheckpointLayout;
  shape: ModelShape;
  /** Our parameter names -> tensors (the caller disposes them). */
  tensors: Map<string, tf.Tensor>;
  /** The `infopo_sandbox` block of config.json (HF layout), or training.json's content when the folder has one. */
  sandbox: Record<string, unknown> | null;
  /** The checkpoint's tokenizer vocabulary, when it carries tokenizer.json. */
  vocab: string[] | null;
}

/** Which layout a folder's files are in; errors list what is missing. */
export function checkpointLayout(files: CheckpointFiles, what = 'checkpoint'): CheckpointLayout {
  const has = (f: string) => f in files;
  if (has('config.json') || has('model.safetensors')) {
    const missing = ['config.json', 'model.safetensors'].filter((f) => !has(f));
    if (missing.length) throw new Error(`${what}: ${missing.join(' and ')} missing (a Hugging Face checkpoint needs config.json and model.safetensors)`);
    return 'hf';
  }
  if (has('model.json') || has('weights.bin')) {
    const missing = LEGACY_FILES.filter((f) => !has(f));
    if (missing.length) throw new Error(`${what}: ${missing.join(' and ')} missing (a legacy checkpoint needs model.json and weights.bin)`);
    return 'legacy';
  }
  const present = Object.keys(files);
  throw new Error(`${what}: no checkpoint files (expected config.json + model.safetensors, or legacy model.json + weights.bin); found ${present.length ? present.join(', ') : 'nothing'}`);
}

function num(config: Record<string, unknown>, key: string): number {
  const v = config[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`config.json: ${key} is ${JSON.stringify(v)}, expected a positive integer`);
  return v;
}

/**
 * Decode a checkpoint folder's files (either layout) into our parameter tensors. A folder holding
 * both layouts (older runs of npm run experiment wrote both) must hold the same weights in each:
 * an old exporter writing model.json + weights.bin into a converted folder would otherwise leave
 * stale Hugging Face files that win silently.
 */
export function decodeCheckpointFiles(files: CheckpointFiles, what = 'checkpoint'): DecodedCheckpoint {
  const layout = checkpointLayout(files, what);
  if (layout === 'hf' && LEGACY_FILES.every((f) => f in files)) {
    const hf = decodeOneLayout(files, what);
    const legacy = decodeOneLayout(Object.fromEntries(Object.entries(files).filter(([k]) => k !== 'config.json' && k !== 'model.safetensors')), what);
    tf.dispose([...legacy.tensors.values()]);
    const differs = legacy.shape.dModel !== hf.shape.dModel || legacy.shape.nLayers !== hf.shape.nLayers || legacy.shape.vocabSize !== hf.shape.vocabSize || legacy.shape.maxContext !== hf.shape.maxContext || !sameWeights(files, hf.tensors);
    if (differs) {
      tf.dispose([...hf.tensors.values()]);
      throw new Error(`${what} holds both layouts (config.json + model.safetensors and model.json + weights.bin) with different weights; rebuild the Hugging Face files from the legacy pair with npm run convert-checkpoint -- ${what}`);
    }
    return hf;
  }
  return decodeOneLayout(files, what);
}

/** Whether weights.bin holds exactly the bytes of `tensors` in model.json's order. */
function sameWeights(files: CheckpointFiles, tensors: Map<string, tf.Tensor>): boolean {
  const json = JSON.parse(dec(files['model.json'])) as { weightsManifest: { weights: { name: string }[] }[] };
  const bin = files['weights.bin'];
  let at = 0;
  for (const spec of json.weightsManifest.flatMap((g) => g.weights)) {
    const t = tensors.get(spec.name);
    if (!t) return false;
    const data = t.dataSync() as Float32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (at + bytes.length > bin.length) return false;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== bin[at + i]) return false;
    at += bytes.length;
  }
  return at === bin.length;
}

function decodeOneLayout(files: CheckpointFiles, what: string): DecodedCheckpoint {
  const layout = checkpointLayout(files, what);
  const vocab = files['tokenizer.json'] ? tokenizerVocab(files['tokenizer.json']) : null;
  let training: Record<string, unknown> | null = null;
  if (files['training.json']) {
    try {
      training = JSON.parse(dec(files['training.json']));
    } catch (e) {
      throw new Error(`${what}: training.json is not valid JSON (${(e as Error).message})`);
    }
  }
  if (layout === 'legacy') {
    const w = files['weights.bin'];
    const { shape, tensors } = decodeLegacyCheckpoint(dec(files['model.json']), w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer);
    return { layout, shape, tensors, sandbox: training, vocab };
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(dec(files['config.json']));
  } catch (e) {
    throw new Error(`${what}: config.json is not valid JSON (${(e as Error).message})`);
  }
  if (config.model_type !== 'gpt2') throw new Error(`config.json: model_type is ${JSON.stringify(config.model_type)}; the sandbox's policy is a gpt2-layout model`);
  const act = config.activation_function ?? 'gelu_new';
  if (act !== 'relu') throw new Error(`config.json: activation_function is ${JSON.stringify(act)}; the sandbox's policy uses "relu"`);
  const shape: ModelShape = { vocabSize: num(config, 'vocab_size'), dModel: num(config, 'n_embd'), nLayers: num(config, 'n_layer'), nHeads: num(config, 'n_head'), maxContext: num(config, 'n_positions') };
  if (shape.dModel % shape.nHeads) throw new Error(`config.json: n_head ${shape.nHeads} does not divide n_embd ${shape.dModel}`);
  const inner = config.n_inner ?? null;
  if (inner !== null && inner !== 4 * shape.dModel) throw new Error(`config.json: n_inner is ${inner}; the sandbox's MLP is 4 x n_embd = ${4 * shape.dModel}`);
  const eps = config.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || Math.abs(eps - LAYER_NORM_EPS) > 1e-12) throw new Error(`config.json: layer_norm_epsilon is ${eps}; the sandbox's LayerNorm uses ${LAYER_NORM_EPS}`);
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const) if (config[flag] === true) throw new Error(`config.json: ${flag} is true; the sandbox's attention does not support it`);
  if (config.scale_attn_weights === false) throw new Error('config.json: scale_attn_weights is false; the sandbox scales attention by 1/sqrt(head size)');
  for (const [key, id, token] of [['bos_token_id', BOS, '<bos>'], ['eos_token_id', EOT, '<eot>'], ['pad_token_id', PAD, '<pad>']] as const) {
    const v = config[key];
    if (v !== undefined && v !== null && v !== id) throw new Error(`config.json: ${key} is ${JSON.stringify(v)}; the sandbox's ${token} has id ${id}`);
  }
  const st = decodeSafetensors(files['model.safetensors'], `${what}/model.safetensors`);
  const tied = config.tie_word_embeddings !== false;
  const names = parameterNames(shape.nLayers);
  const expectedShape = (name: string): number[] => {
    const d = shape.dModel;
    if (name === 'wte') return [shape.vocabSize, d];
    if (name === 'wpe') return [shape.maxContext, d];
    if (name === 'head') return [d, shape.vocabSize];
    if (name.endsWith('attn.wqkv')) return [d, 3 * d];
    if (name.endsWith('attn.bqkv')) return [3 * d];
    if (name.endsWith('attn.wo')) return [d, d];
    if (name.endsWith('mlp.w1')) return [d, 4 * d];
    if (name.endsWith('mlp.b1')) return [4 * d];
    if (name.endsWith('mlp.w2')) return [4 * d, d];
    return [d];
  };
  const used = new Set<string>();
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const name of names) {
      const { hf, transpose } = hfTensorName(name);
      const want = expectedShape(name);
      let t = st.tensors.get(hf);
      if (!t && name === 'head' && tied) {
        // A tied GPT-2 file stores only wte; the head is its transpose.
        t = st.tensors.get('transformer.wte.weight');
        if (t) used.add('transformer.wte.weight');
      } else if (t) used.add(hf);
      if (!t) throw new Error(`${what}/model.safetensors lacks tensor ${hf} (our ${name})`);
      const values = f32Values(hf, t);
      const stored = transpose ? [want[1], want[0]] : want;
      if (t.shape.join() !== stored.join()) throw new Error(`${what}/model.safetensors: ${hf} has shape [${t.shape}], config.json implies [${stored}]`);
      tensors.set(name, transpose ? tf.tensor(transpose2d(values, stored[0], stored[1]), want) : tf.tensor(values, want));
    }
    // Old GPT-2 files carry causal-mask buffers (attn.bias, attn.masked_bias): not weights.
    const extra = [...st.tensors.keys()].filter((k) => !used.has(k) && !/^transformer\.h\.\d+\.attn\.(bias|masked_bias)$/.test(k));
    if (extra.length) throw new Error(`${what}/model.safetensors has tensors the sandbox's model does not: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` (+${extra.length - 5})` : ''}`);
  } catch (e) {
    tf.dispose([...tensors.values()]);
    throw e;
  }
  const sandbox = (config.infopo_sandbox as Record<string, unknown> | undefined) ?? training;
  return { layout, shape, tensors, sandbox, vocab };
}

/** Check a checkpoint's tokenizer against the run's: same ids for the same words. */
export function checkTokenizerMatches(vocab: string[] | null, shape: ModelShape, tokenizer: WordTokenizer, what = 'checkpoint'): void {
  if (shape.vocabSize !== tokenizer.vocabSize) throw new Error(`${what}: its vocabulary has ${shape.vocabSize} tokens, this run's tokenizer ${tokenizer.vocabSize}`);
  if (!vocab) return;
  if (vocab.length !== shape.vocabSize) throw new Error(`${what}: tokenizer.json has ${vocab.length} tokens, config.json says vocab_size ${shape.vocabSize}`);
  for (let i = 0; i < vocab.length; i++) {
    // UNK maps any unknown id; compare it by position like the others.
    const ours = tokenizer.token(i);
    if (vocab[i] !== ours && !(i === UNK && vocab[i] === '<unk>')) throw new Error(`${what}: its tokenizer differs from this run's at id ${i} (${JSON.stringify(vocab[i])} vs ${JSON.stringify(ours)}); the weights would read other words`);
  }
}

/** Rebuild a policy from a checkpoint folder's files. */
export function policyFromFiles(files: CheckpointFiles, tokenizer?: WordTokenizer, what = 'checkpoint'): { policy: Policy; decoded: Omit<DecodedCheckpoint, 'tensors'> } {
  const { tensors, ...decoded } = decodeCheckpointFiles(files, what);
  try {
    if (tokenizer) checkTokenizerMatches(decoded.vocab, decoded.shape, tokenizer, what);
    const policy = new Policy(decoded.shape, new Rng(0));
    try {
      policy.load(tensors);
    } catch (e) {
      policy.dispose();
      throw e;
    }
    return { policy, decoded };
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/** Load a checkpoint folder's files into an existing policy; its shape must match exactly. */
export function loadFilesInto(policy: Policy, files: CheckpointFiles, tokenizer?: WordTokenizer, what = 'checkpoint'): Omit<DecodedCheckpoint, 'tensors'> {
  const { tensors, ...decoded } = decodeCheckpointFiles(files, what);
  try {
    const { shape } = decoded;
    const keys = (Object.keys(shape) as (keyof ModelShape)[]).filter((k) => shape[k] !== policy.shape[k]);
    if (keys.length) throw new Error(`the checkpoint's model has ${keys.map((k) => `${k} ${shape[k]}`).join(', ')}; this run's has ${keys.map((k) => `${k} ${policy.shape[k]}`).join(', ')}`);
    if (tokenizer) checkTokenizerMatches(decoded.vocab, shape, tokenizer, what);
    policy.load(tensors);
    return decoded;
  } finally {
    tf.dispose([...tensors.values()]);
  }
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
