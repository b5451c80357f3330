/**
 * The Dialogue: one episode's token sequence with the span of every part. Rollouts write it;
 * the counterfactual, the loss mask and the inspector read it. Spans tile the sequence exactly.
 *
 *   <bos> <user> request <eot> <agent> | action_0 <eot> | <user> | feedback_0 | <eot> <agent> | action_1 <eot> | ...
 *   '---------- prompt ---------------'  '- action 0 -'  format   feedback 0    format          action 1
 */
import { AGENT, BOS, ENV, EOT, USER } from './text/special';

export type SpanKind = 'prompt' | 'action' | 'feedback' | 'format';

export interface Span {
  kind: SpanKind;
  /** Token positions [start, end). */
  start: number;
  end: number;
  /** Turn index for action and feedback spans; -1 for prompt and format spans. */
  turn: number;
}

export interface DialogueTurn {
  action: string;
  feedback: string;
  role: 'user' | 'env';
  /** Index into `spans` of the action span, and of the feedback span (null when none was appended). */
  actionSpan: number;
  feedbackSpan: number | null;
  stepReward: number;
  valid: boolean;
  done: boolean;
}

export interface Dialogue {
  tokens: number[];
  spans: Span[];
  turns: DialogueTurn[];
}

function push(d: Dialogue, kind: SpanKind, ids: readonly number[], turn = -1): number {
  const start = d.tokens.length;
  d.tokens.push(...ids);
  d.spans.push({ kind, start, end: d.tokens.length, turn });
  return d.spans.length - 1;
}

/** The opening: the user's request, then the agent's role token. */
export function startDialogue(requestIds: readonly number[]): Dialogue {
  const d: Dialogue = { tokens: [], spans: [], turns: [] };
  push(d, 'prompt', [BOS, USER, ...requestIds, EOT, AGENT]);
  return d;
}

/** Append the agent's generated tokens (its <eot> included) as action of a new turn. */
export function appendAction(d: Dialogue, actionIds: readonly number[], text: string): DialogueTurn {
  const turn: DialogueTurn = { action: text, feedback: '', role: 'user', actionSpan: push(d, 'action', actionIds, d.turns.length), feedbackSpan: null, stepReward: 0, valid: true, done: false };
  d.turns.push(turn);
  return turn;
}

/** An action cut off at maxActionTokens is closed by the system with <eot> (a format token, not the agent's). */
export function closeAction(d: Dialogue): void {
  push(d, 'format', [EOT]);
}

/** Tokens that follow an action when the episode goes on: role, feedback, end of turn, agent role. */
export function feedbackTokens(feedbackIds: readonly number[], role: 'user' | 'env'): number[] {
  return [role === 'env' ? ENV : USER, ...feedbackIds, EOT, AGENT];
}

/** Append the reply to the last action (its tokens only when the episode continues). */
export function appendFeedback(d: Dialogue, feedbackIds: readonly number[], text: string, role: 'user' | 'env'): void {
  const turn = d.turns[d.turns.length - 1];
  if (!turn) throw new Error('appendFeedback: no action to answer');
  turn.feedback = text;
  turn.role = role;
  push(d, 'format', [role === 'env' ? ENV : USER]);
  turn.feedbackSpan = push(d, 'feedback', feedbackIds, d.turns.length - 1);
  push(d, 'format', [EOT, AGENT]);
}

/** Mask over target positions: 1 where tokens[p] is an action token (the agent's own). */
export function actionMask(d: Dialogue): number[] {
  const mask = new Array<number>(d.tokens.length).fill(0);
  for (const s of d.spans) if (s.kind === 'action') for (let p = s.start; p < s.end; p++) mask[p] = 1;
  return mask;
}

/**
 * Turns that receive an information-gain score (docs/infopo.md §2): the feedback o_t is non-empty
 * and a next action a_{t+1} exists. The last turn is never scored.
 */
export function scoredTurns(d: Dialogue): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < d.turns.length; t++) {
    const fb = d.turns[t].feedbackSpan;
    if (fb === null) continue;
    const span = d.spans[fb];
    if (span.end > span.start) out.push(t);
  }
  return out;
}

export interface Counterfactual {
  /** The masked sequence, up to the end of a_{t+1}. */
  tokens: number[];
  /** Where a_{t+1} sits in `tokens`. */
  nextActionStart: number;
  nextActionEnd: number;
  /** Tokens before this position are identical to the real dialogue (the reusable prefix). */
  sharedPrefix: number;
  /** Where a_{t+1} sits in the real dialogue. */
  realNextActionStart: number;
}

/**
 * Overwrite the feedback o_t with the placeholder (docs/infopo.md §2). 'equal-length' (reference):
 * in place, padding by repeating the placeholder's last token or truncating it to |o_t|;
 * 'replace': splice in the whole placeholder, shifting later positions.
 */
export function buildCounterfactual(d: Dialogue, turn: number, placeholderIds: readonly number[], mode: 'equal-length' | 'replace'): Counterfactual {
  if (placeholderIds.length === 0) throw new Error('empty placeholder');
  const fbIndex = d.turns[turn]?.feedbackSpan;
  const next = d.turns[turn + 1];
  if (fbIndex === null || fbIndex === undefined || !next) throw new Error(`turn ${turn} is not scored`);
  const fb = d.spans[fbIndex];
  const nextAction = d.spans[next.actionSpan];
  const n = fb.end - fb.start;
  let filler: number[];
  if (mode === 'equal-length') {
    filler = placeholderIds.slice(0, n);
    while (filler.length < n) filler.push(placeholderIds[placeholderIds.length - 1]);
  } else {
    filler = placeholderIds.slice();
  }
  const shift = filler.length - n;
  const tokens = [...d.tokens.slice(0, fb.start), ...filler, ...d.tokens.slice(fb.end, nextAction.end)];
  return {
    tokens,
    nextActionStart: nextAction.start + shift,
    nextActionEnd: nextAction.end + shift,
    sharedPrefix: fb.start,
    realNextActionStart: nextAction.start,
  };
}
