/**
 * The `userModel` knob, resolved to a user simulator through transformers.js (AutoModelForCausalLM
 * on ONNX: onnxruntime-node in Node, onnxruntime-web with WebGPU or wasm in the page). One loader
 * for both hosts; what differs (where models/ is, the device, the memory limit, whether the Hub can
 * be reached) comes in `UserModelHost`. Every refusal is one line that says what to do instead.
 */
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import type { WordTokenizer } from '../text/tokenizer';
import { ChatLmUser } from './chat-user';
import { WordLmUser, type CausalLm, type UserSimulator } from './lm-user';
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
    const B = prompts.length;
    const T = Math.max(...prompts.map((p) => p.length));
    const ids = new BigInt64Array(B * T).fill(BigInt(this.padId));
    const mask = new BigInt64Array(B * T);
    prompts.forEach((p, i) => {
      p.forEach((id, t) => {
        ids[i * T + t] = BigInt(id);
        mask[i * T + t] = 1n;
      });
    });
    // Right padding: a causal model's logits at a row's real positions do not see the padding after them.
    const out = (await this.model({ input_ids: new Tensor('int64', ids, [B, T]), attention_mask: new Tensor('int64', mask, [B, T]) })) as { logits: Tensor };
    const data = out.logits.data as Float32Array;
    const V = out.logits.dims[2];
    const rows = prompts.map((p, i) => data.slice((i * T + p.length - 1) * V, (i * T + p.length) * V));
    out.logits.dispose();
    return rows;
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
    if (!host.online) throw new Error(`userModel ${spec}: a Hub model needs the internet and the Hugging Face Hub cannot be reached from here; use ${USER_LM_NAME} or a checkpoint folder`);
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
