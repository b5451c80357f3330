/**
 * The `userModel` knob, resolved to a user simulator through transformers.js (AutoModelForCausalLM
 * on ONNX: onnxruntime-node in Node, onnxruntime-web with WebGPU or wasm in the page). One loader
 * for both hosts; what differs (where models/ is, the device, the memory limit, whether the Hub can
 * be reached) comes in `UserModelHost`. Every refusal is one line that says what to do instead.
 */
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import type { WordTokenizer } from '../text/tokenizer';
import { ChatLmUser } from './chat-user';
import { WordLmUser, type CausalLm, type DecodeSession, type UserSimulator } from './lm-user';
import { USER_LM_NAME } from './prompt';
import { userModelSource } from './source';

export interface UserModelHost {
  /** The project's models/ folder as transformers.js reads it (Node: a file path; the page: a URL path). */
  modelsPath: string;
  /** onnxruntime's device: 'cpu' is onnxruntime-node; 'wasm' and 'webgpu' are onnxruntime-web. */
  device: 'cpu' | 'wasm' | 'webgpu';
  /** The most bytes the model's weights may take on this device (the page's and the CLI's memory limit). */
  memoryLimitBytes: number;
  /** Whether the Hugging Face Hub can be reached (the host probes it). */
  online: boolean;
  /** Whether the host can read folders on disk (Node: yes; the page: no). */
  canReadFolders: boolean;
  /** Download and load progress, 0..1, with the file being read. */
  onProgress?: (fraction: number, file: string) => void;
}

interface ModelConfig {
  architectures?: string[];
  model_type?: string;
  vocab_size?: number;
  hidden_size?: number;
  n_embd?: number;
  num_hidden_layers?: number;
  n_layer?: number;
  intermediate_size?: number;
  n_inner?: number;
  max_position_embeddings?: number;
  n_positions?: number;
}

/** Bytes of the weights in fp32, from the config (embedding + per-layer attention and MLP + LM head). */
export function weightBytes(c: ModelConfig): number {
  const d = c.hidden_size ?? c.n_embd ?? 0;
  const layers = c.num_hidden_layers ?? c.n_layer ?? 0;
  const ffn = c.intermediate_size ?? c.n_inner ?? 4 * d;
  const vocab = c.vocab_size ?? 0;
  // Gated MLPs (llama-like) have three ffn matrices, gpt2 two: count three, an upper bound.
  return 4 * (2 * vocab * d + layers * (4 * d * d + 3 * d * ffn));
}

const isCausalLm = (c: ModelConfig) => (c.architectures ?? []).some((a) => /(ForCausalLM|LMHeadModel)$/.test(a));

/** A transformers.js causal LM as `CausalLm`: right-padded batches, the logits of each prompt's last position. */
class TransformersLm implements CausalLm {
  constructor(
    readonly name: string,
    private readonly model: Awaited<ReturnType<typeof AutoModelForCausalLM.from_pretrained>>,
    readonly vocabSize: number,
    readonly maxContext: number,
    readonly bytes: number,
    private readonly padId: number,
  ) {}
  async nextLogits(prompts: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const session = await this.decode(prompts);
    session.dispose();
    return session.logits;
  }
  /**
   * Left-padded prompts (the attention mask hides the padding, positions count real tokens only),
   * then one token a row per step over the model's key/value cache.
   */
  async decode(prompts: readonly (readonly number[])[]): Promise<DecodeSession> {
    const B = prompts.length;
    const T = Math.max(...prompts.map((p) => p.length));
    const ids = new BigInt64Array(B * T).fill(BigInt(this.padId));
    const mask = new BigInt64Array(B * T);
    const positions = new BigInt64Array(B * T);
    const lengths = prompts.map((p) => p.length);
    prompts.forEach((p, i) => {
      const pad = T - p.length;
      p.forEach((id, t) => {
        ids[i * T + pad + t] = BigInt(id);
        mask[i * T + pad + t] = 1n;
        positions[i * T + pad + t] = BigInt(t);
      });
    });
    const i64 = (data: BigInt64Array, cols: number) => new Tensor('int64', data, [B, cols]);
    let past: Record<string, Tensor> = {};
    let maskAll = mask;
    let total = T;
    const run = async (inputIds: Tensor, pos: Tensor): Promise<Float32Array[]> => {
      const out = (await this.model.forward({ input_ids: inputIds, attention_mask: i64(maskAll, total), position_ids: pos, past_key_values: Object.keys(past).length ? past : undefined })) as Record<string, Tensor>;
      const next: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(out)) if (name.startsWith('present')) next[name.replace('present', 'past_key_values')] = t;
      for (const t of Object.values(past)) t.dispose();
      past = next;
      const logits = out.logits;
      const [, steps, V] = logits.dims;
      const data = logits.data as Float32Array;
      const rows = prompts.map((_, i) => data.slice((i * steps + steps - 1) * V, (i * steps + steps) * V));
      logits.dispose();
      return rows;
    };
    const first = await run(i64(ids, T), i64(positions, T));
    return {
      logits: first,
      step: async (next) => {
        const grown = new BigInt64Array(B * (total + 1));
        for (let i = 0; i < B; i++) {
          grown.set(maskAll.subarray(i * total, (i + 1) * total), i * (total + 1));
          grown[i * (total + 1) + total] = 1n;
        }
        maskAll = grown;
        total++;
        const pos = BigInt64Array.from(lengths.map((n) => BigInt(n)));
        lengths.forEach((_, i) => lengths[i]++);
        return run(i64(BigInt64Array.from(next.map((id) => BigInt(id))), 1), i64(pos, 1));
      },
      dispose: () => {
        for (const t of Object.values(past)) t.dispose();
        past = {};
      },
    };
  }
  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

/** Whether a transformers.js tokenizer is the sandbox's word vocabulary (same token at every id). */
function sameVocabulary(vocab: Map<string, number> | Record<string, number>, tokenizer: WordTokenizer): boolean {
  const entries = vocab instanceof Map ? [...vocab.entries()] : Object.entries(vocab);
  if (entries.length !== tokenizer.vocabSize) return false;
  return entries.every(([token, id]) => tokenizer.token(id) === token);
}

/**
 * Load what `spec` names as a user simulator, or refuse in one line: a Hub id offline, a model that
 * is not a causal LM, one over the memory limit, a tokenizer the families' words cannot be mapped through.
 */
export async function loadUserSimulator(spec: string, tokenizer: WordTokenizer, host: UserModelHost): Promise<UserSimulator | null> {
  const source = userModelSource(spec);
  if (source.kind === 'scripted') return null;
  let localPath = host.modelsPath;
  let id: string;
  if (source.kind === 'shipped') id = source.name;
  else if (source.kind === 'folder') {
    if (!host.canReadFolders) throw new Error(`userModel ${spec}: a folder on disk can be read by the command line only; in the page use ${USER_LM_NAME} or a Hub model id`);
    const parts = source.path.replace(/[/\\]+$/, '').split(/[/\\]/);
    id = parts.pop()!;
    localPath = parts.join('/') || '/';
  } else {
    if (!host.online) throw new Error(`userModel ${spec}: a Hub model needs the internet and the Hugging Face Hub cannot be reached from here; use ${USER_LM_NAME} (or, on the command line, a checkpoint folder)`);
    id = source.id;
  }
  const saved = { allowRemoteModels: env.allowRemoteModels, allowLocalModels: env.allowLocalModels, localModelPath: env.localModelPath };
  env.allowRemoteModels = source.kind === 'hub';
  env.allowLocalModels = source.kind !== 'hub';
  env.localModelPath = localPath.endsWith('/') ? localPath : localPath + '/';
  const local_files_only = source.kind !== 'hub';
  try {
    const config = (await AutoConfig.from_pretrained(id, { local_files_only }).catch((e: unknown) => {
      throw new Error(`userModel ${spec}: no model could be read there (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    })) as unknown as ModelConfig;
    if (!isCausalLm(config)) throw new Error(`userModel ${spec}: not a causal language model (its config.json names ${(config.architectures ?? []).join(', ') || 'no architecture'}; a user simulator must generate text)`);
    const bytes = weightBytes(config);
    if (bytes > host.memoryLimitBytes) throw new Error(`userModel ${spec}: its weights take about ${(bytes / 2 ** 30).toFixed(2)} GB, over this device's limit of ${(host.memoryLimitBytes / 2 ** 30).toFixed(2)} GB; pick a smaller model`);
    const hfTokenizer = await AutoTokenizer.from_pretrained(id, { local_files_only });
    const words = sameVocabulary(hfTokenizer.get_vocab() as Map<string, number> | Record<string, number>, tokenizer);
    const chatTemplate = (hfTokenizer as unknown as { chat_template?: unknown }).chat_template;
    if (!words && !chatTemplate) throw new Error(`userModel ${spec}: tokenizer mismatch: its tokenizer is not the sandbox's word vocabulary and it has no chat template, so the families' words cannot be mapped through it`);
    const files = new Map<string, number>();
    const model = await AutoModelForCausalLM.from_pretrained(id, {
      dtype: 'fp32',
      device: host.device,
      local_files_only,
      progress_callback: (p: { status: string; file?: string; loaded?: number; total?: number }) => {
        if (!host.onProgress || !p.file) return;
        if (p.status === 'progress' && p.total) files.set(p.file, p.loaded! / p.total);
        if (p.status === 'done') files.set(p.file, 1);
        const values = [...files.values()];
        host.onProgress(values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1), p.file);
      },
    });
    const maxContext = config.max_position_embeddings ?? config.n_positions ?? 1024;
    const padId = (hfTokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? 0;
    const lm = new TransformersLm(spec, model, config.vocab_size ?? tokenizer.vocabSize, maxContext, bytes, padId);
    host.onProgress?.(1, 'model.onnx');
    return words ? new WordLmUser(lm, tokenizer) : new ChatLmUser(lm, hfTokenizer, tokenizer, 'instructions');
  } finally {
    Object.assign(env, saved);
  }
}
