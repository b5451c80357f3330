/**
 * A chat model as the simulated user (a small instruct model from the Hub, for users with internet):
 * the hidden information goes into the system message, as the reference's gyms prompt their user
 * LLM; the agent's moves are the chat's "user" turns and the simulated user's replies its
 * "assistant" turns, rendered by the model's own chat template. A reply in the model's words is
 * mapped into the sandbox's vocabulary before the policy sees it: lower-cased, punctuation split
 * off, words the vocabulary lacks dropped (never fed to the policy as <unk>). The families' parsers
 * then read the mapped reply as they read any user's (the fidelity measure, docs/users.md).
 *
 * The shipped user-lm carries a chat template too (USER_LM_CHAT_TEMPLATE): in the `words` style its
 * rendering is exactly replyPrompt's layout, so this path is tested here, offline, on that model.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Rng } from '../random';
import type { TaskInstance } from '../tasks/types';
import { UNK } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { sampleContinuations, USER_LM_MAX_REPLY, USER_LM_SAMPLING, type CausalLm, type UserSimulator, type UserTurnRequest } from './lm-user';
import { hiddenText } from './prompt';

/**
 * The user-LM's chat template: system = what the user knows (<env>), assistant = the simulated
 * user (<user>), user = the agent (<agent>), tool = an environment's reply (<env>); the generation
 * prompt opens the simulated user's turn.
 */
export const USER_LM_CHAT_TEMPLATE = [
  '{{- bos_token -}}',
  '{%- for message in messages -%}',
  "{%- if message['role'] == 'system' or message['role'] == 'tool' -%}{{- ' <env> ' + message['content'] + ' <eot>' -}}",
  "{%- elif message['role'] == 'assistant' -%}{{- ' <user> ' + message['content'] + ' <eot>' -}}",
  "{%- elif message['role'] == 'user' -%}{{- ' <agent> ' + message['content'] + ' <eot>' -}}",
  '{%- endif -%}',
  '{%- endfor -%}',
  "{%- if add_generation_prompt -%}{{- ' <user>' -}}{%- endif -%}",
].join('');

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** What the system message tells an instruct model (the reference's gyms give their user LLM the same: the goal, the hidden facts, how to answer). */
export function instructionsFor(instance: TaskInstance): string {
  return [
    'You are simulating a person talking to an assistant.',
    `You asked the assistant: "${instance.request}"`,
    `What only you know: ${hiddenText(instance)}.`,
    'Answer the assistant\'s last message in one short sentence, truthfully, using simple words, and say only what it asked about.',
  ].join('\n');
}

/**
 * The conversation as chat messages. `words`: the shipped model's layout (system = the hidden
 * words, the request as the simulated user's first turn). `instructions`: an instruct model's
 * (system = instructions with the request; the chat opens with the agent's move, as chat templates expect).
 */
export function userChatMessages(request: UserTurnRequest, style: 'words' | 'instructions'): ChatMessage[] {
  const { instance, exchanges } = request;
  const messages: ChatMessage[] = style === 'words' ? [{ role: 'system', content: hiddenText(instance) }, { role: 'assistant', content: instance.request }] : [{ role: 'system', content: instructionsFor(instance) }];
  exchanges.forEach((e, i) => {
    messages.push({ role: 'user', content: e.action });
    if (i === exchanges.length - 1) return;
    if (e.role === 'env') messages.push(style === 'words' ? { role: 'tool', content: e.feedback } : { role: 'assistant', content: `(a tool answered: ${e.feedback})` });
    else messages.push({ role: 'assistant', content: e.feedback });
  });
  return messages;
}

/** A reply in a model's own words, as words of the sandbox's vocabulary (unknown words dropped). */
export function mapToVocabulary(text: string, tokenizer: WordTokenizer): string {
  const words = text.toLowerCase().replace(/([.,?!;:"()])/g, ' $1 ').split(/\s+/).filter(Boolean);
  return words.filter((w) => {
    const ids = tokenizer.encode(w);
    return ids.length === 1 && ids[0] !== UNK;
  }).join(' ');
}

export class ChatLmUser implements UserSimulator {
  readonly stats = { calls: 0, turns: 0, forwards: 0, ms: 0 };
  private readonly special: Set<number>;
  constructor(
    private readonly lm: CausalLm,
    private readonly chat: PreTrainedTokenizer,
    private readonly tokenizer: WordTokenizer,
    private readonly style: 'words' | 'instructions',
  ) {
    if (!(chat as unknown as { chat_template?: unknown }).chat_template) throw new Error(`${lm.name}: its tokenizer has no chat template`);
    this.special = new Set(chat.all_special_ids);
  }
  get name(): string {
    return this.lm.name;
  }
  get bytes(): number {
    return this.lm.bytes;
  }
  /** The prompt's token ids, the oldest exchanges dropped until it leaves room for the reply. */
  promptIds(request: UserTurnRequest): number[] {
    const budget = this.lm.maxContext - USER_LM_MAX_REPLY;
    for (let from = 0; from < request.exchanges.length; from++) {
      const messages = userChatMessages({ instance: request.instance, exchanges: request.exchanges.slice(from) }, this.style);
      const ids = this.chat.apply_chat_template(messages as never, { add_generation_prompt: true, tokenize: true, return_tensor: false }) as unknown as number[] | { input_ids: number[] };
      const list = Array.isArray(ids) ? ids : ids.input_ids;
      if (list.length <= budget) return list.map(Number);
    }
    throw new Error(`${this.lm.name}: the system message and the last move do not fit its context of ${this.lm.maxContext} tokens`);
  }
  async replies(requests: readonly UserTurnRequest[], rng: Rng): Promise<string[]> {
    if (requests.length === 0) return [];
    const t0 = performance.now();
    const stop = this.chat.eos_token_id;
    const ids = await sampleContinuations(this.lm, requests.map((r) => this.promptIds(r)), { maxNew: USER_LM_MAX_REPLY, stop, allowed: (id) => id === stop || !this.special.has(id), sampling: USER_LM_SAMPLING, stats: this.stats }, rng);
    this.stats.calls++;
    this.stats.turns += requests.length;
    this.stats.ms += performance.now() - t0;
    return ids.map((row) => mapToVocabulary(this.chat.decode(row, { skip_special_tokens: true }), this.tokenizer));
  }
  async dispose(): Promise<void> {
    await this.lm.dispose?.();
  }
}
