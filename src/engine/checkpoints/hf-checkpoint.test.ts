import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets } from '../config';
import {
  checkpointLayout,
  checkpointToFiles,
  decodeCheckpointFiles,
  hfTensorName,
  loadFilesInto,
  modelCard,
  parameterNames,
  policyFromFiles,
  type CheckpointFiles,
  type CheckpointMeta,
  type TokenizerFiles,
} from './hf-checkpoint';
import { encodeLegacyCheckpoint } from './tfjs-checkpoint';
import { Policy, type ModelShape } from '../policy/model';
import { decodeSafetensors, encodeSafetensors, f32Values } from './safetensors';
import { Rng } from '../random';
import type { EvaluationEntry } from '../run';
import { loadTokenizer, type WordTokenizer } from '../text/tokenizer';
import { SANDBOX_CHAT_TEMPLATE } from '../text/chat-template';

const MODELS = resolve(import.meta.dirname, '../../../models');
let tokenizer: WordTokenizer;
let tokFiles: TokenizerFiles;
let shape: ModelShape;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tokenizer = await loadTokenizer({ modelsPath: MODELS });
  tokFiles = {
    'tokenizer.json': readFileSync(resolve(MODELS, 'infopo-words/tokenizer.json')),
    'tokenizer_config.json': readFileSync(resolve(MODELS, 'infopo-words/tokenizer_config.json')),
  };
  shape = { vocabSize: tokenizer.vocabSize, dModel: 16, nLayers: 2, nHeads: 2, maxContext: 24 };
});

const evaluation: EvaluationEntry = { step: 40, split: 'test', persona: 'cooperative', episodes: 64, success: 0.421875, return: 0.61, turns: 3.5, per_task: { travel: { success: 0.421875, return: 0.61, turns: 3.5, episodes: 64 } } };
const meta = (): CheckpointMeta => ({
  name: 'test-ckpt',
  madeBy: 'npm run experiment -- --preset quick --set seed=7',
  config: configFromPresets(['quick'], { seed: 7 }),
  evaluations: [{ ...evaluation, step: 0, success: 0.1 }, evaluation],
  warmStartLoss: 0.75,
  fingerprint: 'abc123',
});
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function allWeights(p: Policy): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const n of p.names()) out.set(n, (await p.get(n).data()) as Float32Array);
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('Hugging Face checkpoint folder', () => {
  it('writes the six files with GPT-2 config, tensor names, special ids and a model card', async () => {
    const p = new Policy(shape, new Rng(3));
    const files = await checkpointToFiles(p, tokFiles, meta());
    expect(Object.keys(files).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    // The shipped tokenizer config plus the chat template chat-based trainers render conversations with (text/chat-template.ts).
    expect(json(files['tokenizer_config.json'])).toEqual({ ...json(tokFiles['tokenizer_config.json'] as Uint8Array), chat_template: SANDBOX_CHAT_TEMPLATE });
    const config = json(files['config.json']);
    expect(config).toMatchObject({ architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: shape.vocabSize, n_embd: 16, n_layer: 2, n_head: 2, n_positions: 24, n_inner: 64, activation_function: 'relu', tie_word_embeddings: false, bos_token_id: 2, eos_token_id: 3, pad_token_id: 0 });
    expect(config.infopo_sandbox.special_tokens).toEqual({ '<pad>': 0, '<unk>': 1, '<bos>': 2, '<eot>': 3, '<user>': 4, '<agent>': 5, '<env>': 6 });
    expect(config.infopo_sandbox.config.seed).toBe(7);
    expect(json(files['generation_config.json'])).toMatchObject({ bos_token_id: 2, eos_token_id: 3, pad_token_id: 0, do_sample: false });
    const st = decodeSafetensors(files['model.safetensors']);
    expect(st.metadata.format).toBe('pt');
    expect([...st.tensors.keys()].sort()).toEqual(
      [
        'lm_head.weight',
        'transformer.ln_f.bias',
        'transformer.ln_f.weight',
        'transformer.wpe.weight',
        'transformer.wte.weight',
        ...[0, 1].flatMap((l) =>
          ['attn.c_attn.bias', 'attn.c_attn.weight', 'attn.c_proj.bias', 'attn.c_proj.weight', 'ln_1.bias', 'ln_1.weight', 'ln_2.bias', 'ln_2.weight', 'mlp.c_fc.bias', 'mlp.c_fc.weight', 'mlp.c_proj.bias', 'mlp.c_proj.weight'].map((n) => `transformer.h.${l}.${n}`),
        ),
      ].sort(),
    );
    for (const t of st.tensors.values()) expect(t.dtype).toBe('F32');
    // lm_head is nn.Linear [V, d]: the transpose of our head [d, V].
    expect(st.tensors.get('lm_head.weight')!.shape).toEqual([shape.vocabSize, 16]);
    const head = p.get('head').arraySync() as number[][];
    const lm = f32Values('lm_head.weight', st.tensors.get('lm_head.weight')!);
    expect(lm[5 * 16 + 3]).toBe(Math.fround(head[3][5]));
    expect(st.tensors.get('transformer.h.1.attn.c_attn.weight')!.shape).toEqual([16, 48]);
    const card = text(files['README.md']);
    expect(card).toMatch(/^---\nlibrary_name: transformers/);
    expect(card).toContain('npm run experiment -- --preset quick --set seed=7');
    expect(card).toContain('seed 7');
    expect(card).toContain('success **42.2%**');
    // The quick preset evaluates greedily; only the noisy persona's noise is worth naming.
    expect(card).toContain('Greedy decoding on the test split');
    expect(card).not.toContain('user noise');
    expect(card).toContain('| travel | 64 | 42.2% |');
    expect(card).toContain('Earlier evaluations (step: success): 0: 10.0%');
    expect(Buffer.from(files['tokenizer.json']).equals(tokFiles['tokenizer.json'] as Buffer)).toBe(true);
    p.dispose();
  });

  it("the card names the evaluation's decoding and a noisy user's noise", () => {
    const sampled = modelCard(shape, 1000, { ...meta(), config: configFromPresets(['paper-intent-tight'], { persona: 'noisy', noise: 0.3 }) });
    expect(sampled).toContain('Sampled decoding (T = 1) on the test split');
    expect(sampled).toContain('persona noisy, user noise 0.3.');
  });

  it('round-trips every weight bit for bit, and the logits with them', async () => {
    const p = new Policy(shape, new Rng(11));
    const files = await checkpointToFiles(p, tokFiles, meta());
    // No leak: reading costs exactly what building a policy costs.
    let before = tf.memory().numTensors;
    new Policy(shape, new Rng(0)).dispose();
    const policyCost = tf.memory().numTensors - before;
    before = tf.memory().numTensors;
    const { policy: q, decoded } = policyFromFiles(files, tokenizer);
    expect(decoded.layout).toBe('hf');
    expect(decoded.shape).toEqual(shape);
    expect(policyCost).toBe(0);
    expect(tf.memory().numTensors - before).toBe(q.variables.length);
    const [a, b] = [await allWeights(p), await allWeights(q)];
    for (const [n, w] of a) expect(sameBits(w, b.get(n)!), n).toBe(true);
    const ids = tf.tensor2d([[2, 4, 9, 10, 3, 5]], [1, 6], 'int32');
    const la = p.forward(ids).logits;
    const lb = q.forward(ids).logits;
    expect(sameBits((await la.data()) as Float32Array, (await lb.data()) as Float32Array)).toBe(true);
    tf.dispose([ids, la, lb]);
    // Writing the read-back policy reproduces the weights file byte for byte.
    const again = await checkpointToFiles(q, tokFiles, meta());
    expect(Buffer.from(again['model.safetensors']).equals(Buffer.from(files['model.safetensors']))).toBe(true);
    p.dispose();
    q.dispose();
  });

  it('reads the legacy tfjs layout too, and prefers nothing silently: layouts are named', async () => {
    const p = new Policy(shape, new Rng(5));
    const legacy = await encodeLegacyCheckpoint(p);
    expect(checkpointLayout(legacy)).toBe('legacy');
    const target = new Policy(shape, new Rng(6));
    const decoded = loadFilesInto(target, legacy, tokenizer);
    expect(decoded.layout).toBe('legacy');
    const [a, b] = [await allWeights(p), await allWeights(target)];
    for (const [n, w] of a) expect(sameBits(w, b.get(n)!), n).toBe(true);
    expect(() => checkpointLayout({ 'model.json': legacy['model.json'] })).toThrow(/weights.bin missing/);
    // What is wrong with a legacy pair is named.
    const text = new TextDecoder().decode(legacy['model.json']);
    const enc = (t: string) => new TextEncoder().encode(t);
    expect(() => decodeCheckpointFiles({ ...legacy, 'weights.bin': legacy['weights.bin'].slice(0, 100) })).toThrow(/weights file has 100 bytes, model.json describes \d+/);
    expect(() => decodeCheckpointFiles({ ...legacy, 'model.json': enc(text.replace('infopo-sandbox/policy@1', 'x')) })).toThrow(/model.json: format is "x"/);
    expect(() => decodeCheckpointFiles({ ...legacy, 'model.json': enc('not json') })).toThrow(/model.json is not valid JSON/);
    const otherVocab = new Policy({ ...shape, vocabSize: shape.vocabSize + 1 }, new Rng(5));
    const otherFiles = await encodeLegacyCheckpoint(otherVocab);
    expect(() => policyFromFiles(otherFiles, tokenizer, 'runs/old')).toThrow(/runs\/old: its vocabulary has \d+ tokens, this run's tokenizer \d+/);
    otherVocab.dispose();
    expect(() => checkpointLayout({ 'config.json': new Uint8Array() })).toThrow(/model.safetensors missing/);
    expect(() => checkpointLayout({ 'notes.txt': new Uint8Array() }, 'models/x')).toThrow(/models\/x: no checkpoint files .* found notes.txt/);
    p.dispose();
    target.dispose();
  });

  it('loads a tied GPT-2 file (no lm_head) with the head as wte transposed', async () => {
    const p = new Policy(shape, new Rng(9));
    const files = await checkpointToFiles(p, tokFiles, meta());
    const st = decodeSafetensors(files['model.safetensors']);
    st.tensors.delete('lm_head.weight');
    const config = json(files['config.json']);
    delete config.tie_word_embeddings; // transformers' default is tied
    const tied: CheckpointFiles = { ...files, 'model.safetensors': encodeSafetensors(st.tensors, st.metadata), 'config.json': new TextEncoder().encode(JSON.stringify(config)) };
    const { policy: q } = policyFromFiles(tied);
    const wte = p.get('wte').arraySync() as number[][];
    const head = q.get('head').arraySync() as number[][];
    expect(head[7][12]).toBe(wte[12][7]);
    p.dispose();
    q.dispose();
  });

  it('says exactly what does not match', async () => {
    const p = new Policy(shape, new Rng(1));
    const files = await checkpointToFiles(p, tokFiles, meta());
    const withConfig = (patch: Record<string, unknown>): CheckpointFiles => ({ ...files, 'config.json': new TextEncoder().encode(JSON.stringify({ ...json(files['config.json']), ...patch })) });
    const st = decodeSafetensors(files['model.safetensors']);
    const withTensors = (edit: (m: typeof st.tensors) => void): CheckpointFiles => {
      const m = new Map(st.tensors);
      edit(m);
      return { ...files, 'model.safetensors': encodeSafetensors(m, st.metadata) };
    };
    const decode = (f: CheckpointFiles) => () => tf.dispose([...decodeCheckpointFiles(f, 'models/x').tensors.values()]);
    const before = tf.memory().numTensors;
    expect(decode(withConfig({ model_type: 'llama' }))).toThrow(/model_type is "llama"/);
    expect(decode(withConfig({ activation_function: 'gelu_new' }))).toThrow(/activation_function is "gelu_new"/);
    expect(decode(withConfig({ n_inner: 32 }))).toThrow(/n_inner is 32; the sandbox's MLP is 4 x n_embd = 64/);
    expect(decode(withConfig({ eos_token_id: 50256 }))).toThrow(/eos_token_id is 50256; the sandbox's <eot> has id 3/);
    expect(decode(withConfig({ n_head: 3 }))).toThrow(/n_head 3 does not divide n_embd 16/);
    expect(decode(withConfig({ n_embd: 32, n_head: 2, n_inner: 128 }))).toThrow(/transformer.wte.weight has shape \[\d+,16\], config.json implies \[\d+,32\]/);
    expect(decode(withConfig({ vocab_size: 'x' }))).toThrow(/vocab_size is "x", expected a positive integer/);
    expect(decode(withTensors((m) => m.delete('transformer.h.1.mlp.c_fc.bias')))).toThrow(/models\/x\/model.safetensors lacks tensor transformer.h.1.mlp.c_fc.bias \(our h1.mlp.b1\)/);
    expect(decode(withTensors((m) => m.set('transformer.h.2.ln_1.weight', m.get('transformer.ln_f.weight')!)))).toThrow(/tensors the sandbox's model does not: transformer.h.2.ln_1.weight/);
    expect(decode({ ...files, 'config.json': new TextEncoder().encode('{') })).toThrow(/config.json is not valid JSON/);
    expect(tf.memory().numTensors).toBe(before);
    // Shape and tokenizer checks against the run that loads it.
    const other = new Policy({ ...shape, dModel: 32 }, new Rng(0));
    expect(() => loadFilesInto(other, files, tokenizer)).toThrow(/the checkpoint's model has dModel 16; this run's has dModel 32/);
    other.dispose();
    const tok = json(files['tokenizer.json']);
    const [w1, w2] = Object.keys(tok.model.vocab).filter((w) => tok.model.vocab[w] >= 7).slice(0, 2);
    [tok.model.vocab[w1], tok.model.vocab[w2]] = [tok.model.vocab[w2], tok.model.vocab[w1]];
    const swapped = { ...files, 'tokenizer.json': new TextEncoder().encode(JSON.stringify(tok)) };
    expect(() => policyFromFiles(swapped, tokenizer, 'models/x')).toThrow(/models\/x: its tokenizer differs from this run's at id \d+/);
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });

  it('maps every parameter name to a distinct GPT-2 name', () => {
    const p = new Policy({ ...shape, nLayers: 3 }, new Rng(0));
    expect(parameterNames(3)).toEqual(p.names());
    const names = p.names().map((n) => hfTensorName(n).hf);
    expect(new Set(names).size).toBe(names.length);
    expect(() => hfTensorName('h0.nope')).toThrow(/no Hugging Face name for parameter h0.nope/);
    p.dispose();
  });
});

describe('a folder with both layouts', () => {
  it('loads when both hold the same weights, and refuses stale Hugging Face files', async () => {
    const p = new Policy(shape, new Rng(21));
    const hf = await checkpointToFiles(p, tokFiles, meta());
    const both = { ...hf, ...(await encodeLegacyCheckpoint(p)) };
    const before = tf.memory().numTensors;
    const ok = decodeCheckpointFiles(both, 'runs/a');
    expect(ok.layout).toBe('hf');
    tf.dispose([...ok.tensors.values()]);
    const newer = new Policy(shape, new Rng(22));
    const stale = { ...hf, ...(await encodeLegacyCheckpoint(newer)) };
    expect(() => decodeCheckpointFiles(stale, 'models/infopo-warm')).toThrow(/models\/infopo-warm holds both layouts .* with different weights; rebuild .* npm run convert-checkpoint -- models\/infopo-warm/);
    newer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    p.dispose();
  });
});
