/**
 * How faithful a user simulator is, family by family: at each user turn of scripted dialogues on
 * test instances, the family's own parser (what its scripted agents understand of a reply) reads
 * the facts of the scripted cooperative user's reply and of the simulator's reply to the same
 * dialogue. A reply *carries* the information when every fact of the scripted reply is read from
 * it with the same value; it *states something false* when a fact read from it contradicts the
 * scripted one (code: an example whose output the hidden program does not give). Neither: it left
 * the detail out or said it in words the parser cannot read.
 */
import { Rng } from '../random';
import { episodeOptions, resolveConfig } from '../config';
import { scriptedRollout } from '../rl/scripted';
import { getTask } from '../tasks';
import { parseAction as codingAction, readExample, readStageReply, stagesProgram, type CodingHidden } from '../tasks/coding';
import { runProgram, sameValue } from '../tasks/dsl';
import { parseAction as intentAction, readRequest, readSlotReply } from '../tasks/intent';
import { parseAction as travelAction, readPreference } from '../tasks/travel';
import { parseAction as twentyAction, readTruth } from '../tasks/twenty-questions';
import type { Exchange, Split, TaskInstance } from '../tasks/types';
import type { WordTokenizer } from '../text/tokenizer';
import { replyParts } from '../users';
import { lmWritesReply, type UserSimulator, type UserTurnRequest } from './lm-user';
import { USER_LM_FAMILIES } from './prompt';

/** Facts a reply states, as the family's parser reads them: question key -> value. */
export type ReplyFacts = Map<string, string>;

/** The facts of `feedback` as an answer to `action` (empty: nothing readable, or not a question). */
export function readReplyFacts(instance: TaskInstance, action: string, feedback: string): ReplyFacts {
  const facts: ReplyFacts = new Map();
  switch (instance.family) {
    case '20q': {
      const a = twentyAction(action);
      const t = a.type === 'ask' ? readTruth(feedback) : null;
      if (a.type === 'ask' && t) facts.set(a.value, t);
      break;
    }
    case 'intent': {
      const a = intentAction(action);
      if (a.type !== 'ask') break;
      const { domain } = readRequest(instance.request);
      const parts = replyParts(feedback);
      for (const slot of a.slots)
        for (const part of parts) {
          const v = readSlotReply(domain, slot, part);
          if (v) {
            facts.set(slot, v);
            break;
          }
        }
      break;
    }
    case 'code': {
      const a = codingAction(action);
      if (a.type === 'ask') {
        const v = readStageReply(a.stage, feedback);
        if (v !== null) facts.set(a.stage, v || 'none');
      } else if (a.type === 'example') {
        const ex = readExample(feedback);
        if (ex) {
          const run = runProgram(stagesProgram((instance.hidden as CodingHidden).stages), ex.input);
          facts.set('example', 'value' in run && sameValue(run.value, ex.output) ? 'right' : 'wrong');
        }
      }
      break;
    }
    case 'travel': {
      const a = travelAction(action);
      if (a.type !== 'ask') break;
      const v = readPreference(a.aspect, feedback);
      if (v !== undefined) facts.set(a.aspect, v ?? 'any');
      break;
    }
  }
  return facts;
}

export type ReplyVerdict = 'carries' | 'false' | 'left-out';

/** One simulator reply judged against the scripted reply to the same move. */
export function judgeReply(reference: ReplyFacts, got: ReplyFacts): ReplyVerdict {
  for (const [k, v] of got) if ((reference.has(k) && reference.get(k) !== v) || (k === 'example' && v === 'wrong')) return 'false';
  for (const [k, v] of reference) if (got.get(k) !== v) return 'left-out';
  return 'carries';
}

export interface FamilyFidelity {
  family: string;
  /** User turns judged (those whose scripted reply states a fact). */
  turns: number;
  carries: number;
  false: number;
  leftOut: number;
  /** Share of the simulator's replies worded otherwise than the cooperative user's (all user turns). */
  reworded: number;
  /** A few (move, scripted reply, simulator reply, verdict) examples for the docs. */
  examples: { action: string; scripted: string; simulator: string; verdict: ReplyVerdict }[];
}

export interface FidelityOptions {
  /** Dialogues per family (test split), played by the demonstrator with slips, random and ask-all in turn. */
  episodes: number;
  seed: number;
  /** Default 'test' (the LM user was trained on train instances only). */
  split?: Split;
}

const AGENTS = ['demo', 'random', 'ask-all'] as const;

/**
 * Fidelity of `simulator` per user family: scripted dialogues with the cooperative persona on test
 * instances; at every user turn the simulator writes its own reply to the same dialogue (one batched call a family).
 */
export async function measureFidelity(simulator: UserSimulator, tokenizer: WordTokenizer, o: FidelityOptions): Promise<FamilyFidelity[]> {
  const out: FamilyFidelity[] = [];
  for (const id of USER_LM_FAMILIES) {
    const family = getTask(id);
    const config = resolveConfig({ task: id, maxContext: 256 });
    const options = episodeOptions(config, 'cooperative');
    const rng = Rng.derive(o.seed, `fidelity-${id}`);
    const asked: { request: UserTurnRequest; action: string; scripted: string }[] = [];
    for (let i = 0; i < o.episodes; i++) {
      const instance = family.sample(rng, o.split ?? 'test', options);
      const name = AGENTS[i % AGENTS.length];
      const agent = name === 'demo' ? family.demonstrator(0.3) : family.agents[name];
      const rollout = scriptedRollout(family, instance, agent, options, { agent: rng, user: rng }, tokenizer);
      const exchanges: Exchange[] = [];
      for (const t of rollout.dialogue.turns) {
        exchanges.push({ action: t.action, feedback: t.feedback, role: t.role });
        if (lmWritesReply(instance, t)) asked.push({ request: { instance, exchanges: exchanges.slice() }, action: t.action, scripted: t.feedback });
      }
    }
    const replies = await simulator.replies(asked.map((a) => a.request), Rng.derive(o.seed, `fidelity-lm-${id}`));
    const f: FamilyFidelity = { family: id, turns: 0, carries: 0, false: 0, leftOut: 0, reworded: 0, examples: [] };
    asked.forEach((a, i) => {
      if (replies[i] !== a.scripted) f.reworded++;
      const reference = readReplyFacts(a.request.instance, a.action, a.scripted);
      if (reference.size === 0) return;
      const verdict = judgeReply(reference, readReplyFacts(a.request.instance, a.action, replies[i]));
      f.turns++;
      if (verdict === 'carries') f.carries++;
      else if (verdict === 'false') f.false++;
      else f.leftOut++;
      if (f.examples.length < 4 && (verdict !== 'carries' || f.examples.length < 2)) f.examples.push({ action: a.action, scripted: a.scripted, simulator: replies[i], verdict });
    });
    f.reworded = asked.length ? f.reworded / asked.length : 0;
    out.push(f);
  }
  return out;
}
