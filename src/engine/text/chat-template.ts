/**
 * The chat template of an exported sandbox checkpoint (tokenizer_config.json `chat_template`): it
 * renders the reference trainer's conversations (system, user, assistant with tool calls, tool
 * responses) into the sandbox's own token layout, text/special.ts:
 *
 *   <bos> <user> request <eot> <agent> action <eot> <user> feedback <eot> <agent> ...
 *
 * The system prompt is dropped (the policy was trained on the request alone and its word vocabulary
 * has no words for it); an assistant turn's tool call renders as the call's `content` (the sandbox
 * action); a tool response renders as the user's feedback, without the "\nReward: r" line the
 * reference's interact tool appends. Tool responses use <user> (the template cannot tell a user
 * from an environment; the sandbox gives environment feedback <env>). Every turn starts with its
 * role token, so a conversation rendered turn by turn (as the reference's rollout does, slicing
 * after a base conversation) equals the whole conversation rendered at once.
 */
export const SANDBOX_CHAT_TEMPLATE = [
  '{{- bos_token -}}',
  '{%- for message in messages -%}',
  "{%- if message['role'] == 'user' -%}",
  "{{- ' <user> ' + message['content'] + ' <eot>' -}}",
  "{%- elif message['role'] == 'assistant' -%}",
  "{{- ' <agent> ' -}}",
  "{%- if message['tool_calls'] -%}",
  "{%- for call in message['tool_calls'] -%}",
  "{%- set arguments = call['function']['arguments'] -%}",
  "{%- if arguments is string -%}{{- arguments -}}{%- else -%}{{- arguments['content'] -}}{%- endif -%}",
  '{%- endfor -%}',
  "{%- else -%}{{- message['content'] -}}{%- endif -%}",
  "{{- ' <eot>' -}}",
  "{%- elif message['role'] == 'tool' -%}",
  "{{- ' <user> ' + message['content'].split('\\nReward:')[0] + ' <eot>' -}}",
  '{%- endif -%}',
  '{%- endfor -%}',
  "{%- if add_generation_prompt -%}{{- ' <agent>' -}}{%- endif -%}",
].join('');

/** A tokenizer_config.json with the sandbox's chat template (kept when one is already there). */
export function withChatTemplate(config: Record<string, unknown>): Record<string, unknown> {
  return 'chat_template' in config ? config : { ...config, chat_template: SANDBOX_CHAT_TEMPLATE };
}
