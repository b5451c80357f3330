import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAction, appendFeedback, startDialogue } from '../dialogue';
import { systemPrompt } from '../checkpoints/verl-export';
import { getTask } from '../tasks';
import { shippedTokenizer } from '../test-support';
import type { WordTokenizer } from './tokenizer';
import { SANDBOX_CHAT_TEMPLATE, withChatTemplate } from './chat-template';

const WORDS = resolve(import.meta.dirname, '../../../models/infopo-words');
let hf: PreTrainedTokenizer;
let words: WordTokenizer;

beforeAll(async () => {
  const config = withChatTemplate(JSON.parse(readFileSync(resolve(WORDS, 'tokenizer_config.json'), 'utf8')));
  hf = new PreTrainedTokenizer(JSON.parse(readFileSync(resolve(WORDS, 'tokenizer.json'), 'utf8')), config);
  words = await shippedTokenizer();
});

type Message = { role: string; content: string; tool_calls?: { type: string; function: { name: string; arguments: Record<string, string> | string } }[] };
const call = (choice: string, content: string) => [{ type: 'function', function: { name: 'interact_with_env', arguments: { choice, content } } }];
// The reference's BASE_CHAT_HISTORY (verl/workers/rollout/schemas.py), which its rollout renders each new turn after and slices off.
const BASE: Message[] = [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'I am a user.' }];

const request = 'book a table on friday .';
const conversation: Message[] = [
  { role: 'system', content: systemPrompt(getTask('intent'), 6) },
  { role: 'user', content: request },
  { role: 'assistant', content: '', tool_calls: call('action', 'ask time ?') },
  { role: 'tool', content: 'for dinner .\nReward: 0.0' },
  { role: 'assistant', content: '', tool_calls: call('action', 'ask people food ?') },
  { role: 'tool', content: 'for two , with thai food .\nReward: 0.0' },
];
const render = (messages: Message[], add_generation_prompt: boolean) => hf.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt }) as string;

describe('the exported checkpoint\'s chat template (transformers.js apply_chat_template)', () => {
  it('renders the reference\'s system + user messages and tool calls into the sandbox\'s layout', () => {
    expect(render(conversation, true)).toBe('<bos> <user> book a table on friday . <eot> <agent> ask time ? <eot> <user> for dinner . <eot> <agent> ask people food ? <eot> <user> for two , with thai food . <eot> <agent>');
    expect(render(conversation.slice(0, 2), true)).toBe('<bos> <user> book a table on friday . <eot> <agent>');
    expect(render([...conversation.slice(0, 2), { role: 'assistant', content: 'answer dinner two thai' }], false)).toBe('<bos> <user> book a table on friday . <eot> <agent> answer dinner two thai <eot>');
    expect(render([...conversation.slice(0, 2), { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'interact_with_env', arguments: 'ask day ?' } }] }], false)).toContain('<agent> ask day ? <eot>');
  });

  it('tokenizes to exactly the token ids of the sandbox\'s Dialogue', () => {
    const out = hf.apply_chat_template(conversation as never, { tokenize: true, add_generation_prompt: true, return_tensor: false }) as unknown as { input_ids: number[] };
    const ids = out.input_ids;
    const d = startDialogue(words.encode(request));
    for (const [action, feedback] of [['ask time ?', 'for dinner .'], ['ask people food ?', 'for two , with thai food .']]) {
      appendAction(d, [...words.encode(action), 3], action);
      appendFeedback(d, words.encode(feedback), feedback, 'user');
    }
    expect(ids).toEqual(d.tokens);
  });

  it('renders turn by turn as the reference\'s rollout slices it, identical to the whole conversation', () => {
    // AsyncRolloutRequest: the prompt with the generation prompt; each assistant turn after BASE + gen prompt; each tool turn after BASE.
    const withGen = render(BASE, true).length;
    const without = render(BASE, false).length;
    let text = render(conversation.slice(0, 2), true);
    for (const m of conversation.slice(2)) {
      if (m.role === 'assistant') text += render([...BASE, m], false).slice(withGen);
      else text += render([...BASE, m], false).slice(without) + render(BASE, true).slice(without);
    }
    expect(text).toBe(render(conversation, true));
  });

  it('is added to a tokenizer config without one and never replaces one', () => {
    expect(withChatTemplate({ eos_token: '<eot>' })).toEqual({ eos_token: '<eot>', chat_template: SANDBOX_CHAT_TEMPLATE });
    expect(withChatTemplate({ chat_template: 'x' })).toEqual({ chat_template: 'x' });
  });
});
