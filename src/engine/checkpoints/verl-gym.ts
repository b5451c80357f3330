/**
 * The data half of the Python gym package the verl export writes (`infopo_sandbox_gym/`, its code
 * lives in verl-gym/ at the repository root): the words and rules of every task family
 * (tables.json, taken from the task modules so the Python gyms never hold a second copy), the
 * mapping from a sandbox action to the interact tool's `choice`/`content`, and seeded parity
 * fixtures: scripted baselines played by the sandbox on the exported test rows, every action,
 * user reply and reward, which the package's unittest replays through the gyms. Browser-safe.
 */
import { episodeOptions, type Config } from '../config';
import { BASELINES, evaluate } from '../evaluation';
import { Rng } from '../random';
import { getTask } from '../tasks';
import { CLOSING, FILLERS, NOT_UNDERSTOOD, PERSONA_IDS } from '../users';
import { ANSWER_OK, ANSWER_PERFECT, DOMAINS, DONT_MIND, EXTRA_DETAIL_PENALTY, IMPORTANCE_REWARD, SLOT_WORDS, STEP_PENALTY } from '../tasks/intent';
import { ANSWER_WORDS, CATALOGUE, GUESS_RIGHT, GUESS_WRONG_END, GUESS_WRONG_TURN, QUESTION_VALUES } from '../tasks/twenty-questions';
import { CODE_DONE, EXAMPLE_WORD, STAGE_OPTIONS, STAGES } from '../tasks/coding';
import { MAX_PARAM, NULLARY_OPS, UNARY_OPS } from '../tasks/dsl';
import { ASPECT_VALUES, ASPECTS, BOOKED, NO_SUCH_HOTEL, NOT_MIND, NOTHING_FOUND, PHRASES, SEARCH_WORDS } from '../tasks/travel';
import { CODE_LENGTH, COLOURS, INVALID, SOLVED } from '../tasks/mastermind';
import { words } from '../tasks/common';
import type { WordTokenizer } from '../text/tokenizer';
import type { CreateKwargs } from './verl-export';

export const GYM_FIXTURES_FORMAT = 'infopo-sandbox/gym-fixtures@1';

/** The interact tool's `choice` values (tool_config/interact_tool_config.yaml of the reference). */
export const TOOL_CHOICES = ['action', 'answer', 'search'] as const;
export type ToolChoice = (typeof TOOL_CHOICES)[number];

/** Per family: the verb of its final move (choice `answer`) and of its tool search (choice `search`, travel only). */
export const FAMILY_VERBS: Record<string, { answer: string; search?: string }> = {
  intent: { answer: 'answer' },
  '20q': { answer: 'guess' },
  code: { answer: 'code' },
  travel: { answer: 'book', search: 'search' },
  mastermind: { answer: 'try' },
};

/** Everything the Python episodes read: each family's words, options and reward constants. */
export function gymTables(): Record<string, unknown> {
  return {
    format: 'infopo-sandbox/gym-tables@1',
    verbs: FAMILY_VERBS,
    personas: { fillers: FILLERS, closing: CLOSING, not_understood: NOT_UNDERSTOOD, ids: PERSONA_IDS },
    intent: { domains: DOMAINS, slot_words: SLOT_WORDS, importance_reward: IMPORTANCE_REWARD, extra_detail_penalty: EXTRA_DETAIL_PENALTY, step_penalty: STEP_PENALTY, dont_mind: DONT_MIND, answer_perfect: ANSWER_PERFECT, answer_ok: ANSWER_OK },
    '20q': { question_values: QUESTION_VALUES, item_names: CATALOGUE.map((it) => it.name), answer_words: ANSWER_WORDS, guess_right: GUESS_RIGHT, guess_wrong_end: GUESS_WRONG_END, guess_wrong_turn: GUESS_WRONG_TURN },
    code: { stages: STAGES, stage_options: STAGE_OPTIONS, example_word: EXAMPLE_WORD, code_done: CODE_DONE, nullary_ops: NULLARY_OPS, unary_ops: UNARY_OPS, max_param: MAX_PARAM },
    travel: { aspects: ASPECTS, aspect_values: ASPECT_VALUES, search_words: SEARCH_WORDS, phrases: PHRASES, not_mind: NOT_MIND, nothing_found: NOTHING_FOUND, booked: BOOKED, no_such_hotel: NO_SUCH_HOTEL },
    mastermind: { colours: COLOURS, code_length: CODE_LENGTH, solved: SOLVED, invalid: INVALID },
  };
}

/**
 * A sandbox action as an interact-tool call: its final move is choice `answer`, travel's search
 * `search`, anything else `action`; `dropVerb` leaves the verb out of an answer or search (the gym
 * puts it back), as an LLM told "choice answer: the hotel to book" may write only "palm".
 */
export function toolCall(family: string, action: string, dropVerb = false): { choice: ToolChoice; content: string } {
  const verbs = FAMILY_VERBS[family];
  if (!verbs) throw new Error(`toolCall: unknown family "${family}"`);
  const first = words(action)[0];
  const choice: ToolChoice = first === verbs.search ? 'search' : first === verbs.answer && family !== 'mastermind' ? 'answer' : 'action';
  const rest = action.trim().slice(action.trim().indexOf(' ') + 1);
  const content = dropVerb && choice !== 'action' && action.trim().includes(' ') ? rest : action;
  return { choice, content };
}

/** The string the reference's InteractTool.execute sends to the gym's step_async (its [action] / [answer] / [search] prefixes). */
export function toolActionString(choice: string, content: string): string {
  for (const c of TOOL_CHOICES) if (choice === c && !content.startsWith(`[${c}]`)) return `[${c}] ${content}`;
  if (choice === 'finish') return '[finish]';
  return content;
}

export interface FixtureTurn {
  /** What the gym receives (toolActionString of the tool call). */
  tool: string;
  /** The action the sandbox's user answered (after the policy tokenizer's round trip). */
  action: string;
  feedback: string;
  role: 'user' | 'env';
  step_reward: number;
  valid: boolean;
  done: boolean;
}

export interface FixtureEpisode {
  create_kwargs: CreateKwargs;
  turns: FixtureTurn[];
  /** The sandbox's outcome score R and success (evaluation's `return` and `success`). */
  score: number;
  success: boolean;
  /** The sandbox ended the episode because its context window was full: the gym cannot know, so only replies and the score so far are compared. */
  context_end: boolean;
}

export interface FixtureSet {
  family: string;
  persona: string;
  baseline: string;
  /** Mean success of this baseline on these episodes, from evaluate() (what `npm run evaluate` prints). */
  success_mean: number;
  episodes: FixtureEpisode[];
}

export interface GymFixtures {
  format: typeof GYM_FIXTURES_FORMAT;
  made_by: string;
  sets: FixtureSet[];
  /** Draws of known streams, to locate an RNG difference before it shows as a different reply. */
  rng: { seed: number; ints: number[]; floats: number[]; state: number[] }[];
  derived: { seed: number; name: string; state: number[]; fork: string; forked_state: number[] }[];
  words: { text: string; words: string[] }[];
}

/**
 * Parity fixtures: for each family of `config.task`, each persona (one for mastermind, whose
 * environment has none) and each scripted baseline, the baseline's evaluation episodes on the
 * exported test rows (`testRows(persona)` gives the create_kwargs of row i of each family).
 */
export async function gymFixtures(
  config: Config,
  tokenizer: WordTokenizer,
  testRows: (persona: string, episodes: number) => { family: string; create_kwargs: CreateKwargs }[],
  opts: { episodes?: number; personas?: readonly string[]; baselines?: readonly string[]; madeBy?: string } = {},
): Promise<GymFixtures> {
  const episodes = opts.episodes ?? Math.min(3, config.evalEpisodes || 3);
  const sets: FixtureSet[] = [];
  for (const familyId of config.task.split(',')) {
    const family = getTask(familyId);
    const personas = family.role === 'env' ? [PERSONA_IDS[0]] : (opts.personas ?? PERSONA_IDS);
    for (const persona of personas) {
      const rows = testRows(persona, episodes).filter((r) => r.family === familyId);
      for (const baseline of opts.baselines ?? BASELINES) {
        const ev = await evaluate({ baseline }, { config: { ...config, task: familyId }, tokenizer, persona, episodes });
        const eps = ev.rollouts.map((r, i): FixtureEpisode => {
          const create_kwargs = rows[i].create_kwargs;
          if (create_kwargs.id !== r.instanceId) throw new Error(`gymFixtures: row ${i} of ${familyId} is ${create_kwargs.id}, the evaluation played ${r.instanceId}`);
          const turns = r.dialogue.turns.map((t): FixtureTurn => {
            const call = toolCall(familyId, t.action, i % 2 === 1);
            return { tool: toolActionString(call.choice, call.content), action: t.action, feedback: t.feedback ?? '', role: t.role ?? 'user', step_reward: t.stepReward, valid: t.valid, done: t.done };
          });
          return { create_kwargs, turns, score: r.outcome, success: r.success, context_end: r.endReason === 'context' };
        });
        sets.push({ family: familyId, persona, baseline, success_mean: ev.perTask[familyId].success, episodes: eps });
      }
    }
  }
  const rng = [0, 1, -5, 123456789, 2147483647].map((seed) => {
    const r = new Rng(seed);
    const ints = Array.from({ length: 6 }, (_, k) => r.int(0, k === 5 ? 0x7fffffff : 9));
    const floats = Array.from({ length: 3 }, () => r.next());
    return { seed, ints, floats, state: r.getState() };
  });
  const derived = [
    { seed: config.evalSeed, name: `eval/${config.task.split(',')[0]}/test/0/user` },
    { seed: 7, name: 'verl/train/3/user' },
  ].map(({ seed, name }) => {
    const r = Rng.derive(seed, name);
    const state = r.getState();
    const fork = '3f2b8c1e-request-id-é';
    return { seed, name, state, fork, forked_state: r.fork(fork).getState() };
  });
  const texts = ['Ask TIME ?', 'guess fox.', "i'm  here , ok", 'code even\tdesc first 2', 'café ²'];
  return { format: GYM_FIXTURES_FORMAT, made_by: opts.madeBy ?? 'infopo-sandbox', sets, rng, derived, words: texts.map((text) => ({ text, words: words(text) })) };
}

/** The episode options of a config as create_kwargs carry them (for rows and tests). */
export const simulatorKwargs = (c: Config, persona: string) => {
  const o = episodeOptions(c, persona);
  return { persona: o.persona, noise: o.noise, wrong_guess: o.wrongGuess, implicit_rate: o.implicitRate, kinds: o.kinds, reward: o.reward };
};
