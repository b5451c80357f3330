/**
 * Collaborative coding (ColBench). The user holds a hidden program of the list DSL (dsl.ts) made
 * of 2-3 stages (filter, map, dedupe, order, slice, result; in that order) and its hidden unit
 * tests. The request reveals one stage. The agent asks about a stage ("ask order ?") or for an
 * input/output example ("ask example ?"), then answers with a program ("code even desc first 2").
 * The interpreter runs it on the 8 hidden tests: reward = fraction passed; success = all passed.
 */
import type { Rng } from '../random';
import { createVoice, NOT_UNDERSTOOD, personaVocabulary, replyCore, type Answer } from '../users';
import { argmax, assumedNoise, DEFAULT_DEMO_SLIP, entropy, expectedInfoGain, noisyCategorical, NUMBER_WORDS, reply, sampleInSplit, slipping, turnsLeft, viewBefore, vocabularyOf, words } from './common';
import { OP_WORDS, parseProgram, passRate, programText, runProgram, valueText, type Program, type UnitTest, type Value } from './dsl';
import type { AgentView, Episode, EpisodeOptions, FeedbackKind, Reply, ScriptedAgent, Split, TaskFamily, TaskInstance } from './types';

export const STAGES = ['filter', 'map', 'dedupe', 'order', 'slice', 'result'] as const;
export type Stage = (typeof STAGES)[number];

/** One option of a stage: its DSL words ('' = the stage is absent) and how the user describes it. */
interface StageOption {
  code: string;
  plain: string;
  terse: string;
  implicit: string;
}

const o = (code: string, plain: string, terse: string, implicit: string): StageOption => ({ code, plain, terse, implicit });
const nums = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every option of every stage; the first one is "absent". Implicit hints identify the option uniquely. */
export const STAGE_OPTIONS: Record<Stage, readonly StageOption[]> = {
  filter: [
    o('', 'keep all numbers', 'none', 'every number stays'),
    o('even', 'keep even numbers', 'even', '2 and 8 stay , 5 goes'),
    o('odd', 'keep odd numbers', 'odd', '1 and 9 stay , 4 goes'),
    ...nums(2, 6).map((n) => o(`above ${n}`, `keep numbers above ${n}`, `above ${n}`, `${n + 1} and ${n + 2} stay , ${n} goes`)),
    ...nums(3, 7).map((n) => o(`below ${n}`, `keep numbers below ${n}`, `below ${n}`, `${n - 2} and ${n - 1} stay , ${n} goes`)),
  ],
  map: [
    o('', 'numbers stay the same', 'none', '4 stays 4'),
    ...nums(1, 3).map((n) => o(`plus ${n}`, `add ${n} to each`, `plus ${n}`, `4 becomes ${4 + n}`)),
    ...[2, 3].map((n) => o(`times ${n}`, `multiply each by ${n}`, `times ${n}`, `4 becomes ${4 * n}`)),
  ],
  dedupe: [o('', 'keep repeats', 'none', '2 2 stays 2 2'), o('dedupe', 'remove repeats', 'dedupe', '2 2 becomes 2')],
  order: [
    o('', 'keep the order', 'none', '3 1 2 stays 3 1 2'),
    o('asc', 'sort from small to big', 'asc', '3 1 2 becomes 1 2 3'),
    o('desc', 'sort from big to small', 'desc', '3 1 2 becomes 3 2 1'),
    o('reverse', 'reverse the order', 'reverse', '3 1 2 becomes 2 1 3'),
  ],
  slice: [
    o('', 'use the whole list', 'none', 'nothing is cut'),
    ...nums(1, 3).map((n) => o(`first ${n}`, `keep the first ${n}`, `first ${n}`, `1 2 3 4 becomes ${nums(1, n).join(' ')}`)),
    ...nums(1, 2).map((n) => o(`skip ${n}`, `drop the first ${n}`, `skip ${n}`, `1 2 3 4 becomes ${nums(n + 1, 4).join(' ')}`)),
  ],
  result: [
    o('', 'return the list', 'list', 'a list comes back'),
    o('sum', 'return the sum', 'sum', '1 2 gives 3'),
    o('max', 'return the largest', 'max', '1 5 gives 5'),
    o('min', 'return the smallest', 'min', '1 5 gives 1'),
    o('count', 'return how many', 'count', '5 7 gives 2'),
  ],
};

/** A hidden program: the chosen option (its DSL words, '' = absent) of every stage. */
export type Stages = Record<Stage, string>;

export interface CodingHidden {
  stages: Stages;
  /** The stage the request reveals. */
  revealed: Stage;
  tests: UnitTest[];
}

export const REQUEST_HEAD = 'i need code for my list .';
export const EXAMPLE_WORD = 'gives';
/** Final feedback: "6 of 8 tests pass ." */
export const CODE_DONE = 'tests pass .';

export const stagesProgram = (stages: Stages): Program => {
  const parsed = parseProgram(words(STAGES.map((s) => stages[s]).join(' ')));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.program;
};
export const stagesText = (stages: Stages): string => programText(stagesProgram(stages));
const optionOf = (stage: Stage, code: string): StageOption => STAGE_OPTIONS[stage].find((x) => x.code === code)!;

export function requestText(h: Pick<CodingHidden, 'stages' | 'revealed'>): string {
  return `${REQUEST_HEAD} ${optionOf(h.revealed, h.stages[h.revealed]).plain} .`;
}

/** Draw an input list for an example: 4 numbers 0..9 whose output stays within 0..20. */
export function exampleInput(program: Program | null, rng: Rng): number[] {
  for (let tries = 0; tries < 40; tries++) {
    const input = Array.from({ length: 4 }, () => rng.int(0, 9));
    if (!program) return input;
    const r = runProgram(program, input);
    if ('value' in r && (typeof r.value === 'number' ? [r.value] : r.value).every((x) => x <= 20)) return input;
  }
  return [1, 2, 2, 0];
}

function stageAnswer(stage: Stage, code: string): Answer {
  const x = optionOf(stage, code);
  return { plain: x.plain, terse: x.terse, implicit: x.implicit, wrong: (rng) => stageAnswer(stage, rng.pick(STAGE_OPTIONS[stage].filter((y) => y.code !== code)).code) };
}

export type CodingAction = { type: 'ask'; stage: Stage } | { type: 'example' } | { type: 'code'; program: Program | null } | { type: 'invalid' };

/** "ask order ?" / "ask example ?" / "code even desc first 2". */
export function parseAction(action: string): CodingAction {
  const w = words(action);
  if (w[0] === 'ask' && (w.length === 2 || (w.length === 3 && w[2] === '?'))) {
    if (w[1] === 'example') return { type: 'example' };
    if ((STAGES as readonly string[]).includes(w[1])) return { type: 'ask', stage: w[1] as Stage };
  }
  if (w[0] === 'code') {
    const parsed = parseProgram(w.slice(1));
    return { type: 'code', program: 'program' in parsed ? parsed.program : null };
  }
  return { type: 'invalid' };
}

function drawHidden(rng: Rng): { key: string; value: Omit<CodingHidden, 'tests'> } {
  const chosen = rng.shuffle(STAGES).slice(0, rng.int(2, 3));
  const stages = Object.fromEntries(STAGES.map((s) => [s, chosen.includes(s) ? rng.pick(STAGE_OPTIONS[s].slice(1)).code : ''])) as Stages;
  const revealed = rng.pick(chosen);
  return { key: `${stagesText(stages)}|${revealed}`, value: { stages, revealed } };
}

/** 8 hidden tests: lists of 2-7 numbers 0..9 (repeats likely). */
function drawTests(program: Program, rng: Rng): UnitTest[] {
  return Array.from({ length: 8 }, () => {
    const input = Array.from({ length: rng.int(2, 7) }, () => rng.int(0, 9));
    const r = runProgram(program, input);
    if ('error' in r) throw new Error(r.error);
    return { input, output: r.value };
  });
}

// ---------------------------------------------------------------------------------------------
// The scripted agents' belief: the generator's prior over hidden programs, updated by every reply

interface Hypothesis {
  stages: Stages;
  program: Program;
  prior: number;
  nonEmpty: number;
}

const choose = (n: number, k: number): number => (k === 0 ? 1 : (n * choose(n - 1, k - 1)) / k);

/** Every program the generator can draw, with its prior probability. */
export const HYPOTHESES: readonly Hypothesis[] = (() => {
  const out: Hypothesis[] = [];
  const rec = (i: number, stages: Partial<Stages>, count: number, p: number): void => {
    if (i === STAGES.length) {
      if (count < 2 || count > 3) return;
      const full = stages as Stages;
      out.push({ stages: { ...full }, program: stagesProgram(full), prior: (p * 0.5) / choose(STAGES.length, count), nonEmpty: count });
      return;
    }
    const s = STAGES[i];
    rec(i + 1, { ...stages, [s]: '' }, count, p);
    for (const x of STAGE_OPTIONS[s].slice(1)) rec(i + 1, { ...stages, [s]: x.code }, count + 1, p / (STAGE_OPTIONS[s].length - 1));
  };
  rec(0, {}, 0, 1);
  return out;
})();

/** Read a stage reply (any persona): the option's DSL words, or null. */
export function readStageReply(stage: Stage, feedback: string): string | null {
  const core = replyCore(feedback);
  for (const x of STAGE_OPTIONS[stage]) if (core === x.plain || core === x.terse || core === x.implicit) return x.code;
  return null;
}

/** Read an example reply "3 1 4 4 gives 4 3" -> input and output. */
export function readExample(feedback: string): { input: number[]; output: Value } | null {
  const core = replyCore(feedback).split(' ');
  const at = core.indexOf(EXAMPLE_WORD);
  if (at < 0) return null;
  const input = core.slice(0, at).map(Number);
  const out = core.slice(at + 1);
  if (input.some(Number.isNaN)) return null;
  if (out.length === 1 && out[0] === 'nothing') return { input, output: [] };
  const nums_ = out.map(Number);
  if (nums_.some(Number.isNaN)) return null;
  return { input, output: nums_ };
}

/** The revealed stage and option, read from the request. */
export function readRequest(request: string): { stage: Stage; code: string } | null {
  const core = request.slice(REQUEST_HEAD.length).replace(/ \.$/, '').trim();
  for (const s of STAGES) for (const x of STAGE_OPTIONS[s]) if (x.plain === core) return { stage: s, code: x.code };
  return null;
}

/** Posterior weights over HYPOTHESES for a user who describes stages wrongly with probability `noise`. */
export function posterior(view: AgentView, noise: number): number[] {
  const w = HYPOTHESES.map((h) => h.prior);
  const revealed = readRequest(view.request);
  if (revealed) HYPOTHESES.forEach((h, i) => (w[i] *= h.stages[revealed.stage] === revealed.code ? 1 / h.nonEmpty : 0));
  for (const e of view.exchanges) {
    const a = parseAction(e.action);
    if (a.type === 'ask') {
      const code = readStageReply(a.stage, e.feedback);
      if (code === null) continue;
      const codes = STAGE_OPTIONS[a.stage].map((x) => x.code);
      HYPOTHESES.forEach((h, i) => (w[i] *= noisyCategorical(h.stages[a.stage], codes, noise).get(code)!));
    } else if (a.type === 'example') {
      const ex = readExample(e.feedback);
      if (!ex) continue;
      HYPOTHESES.forEach((h, i) => {
        if (w[i] === 0) return;
        const r = runProgram(h.program, ex.input);
        if (!('value' in r) || valueText(r.value) !== valueText(ex.output)) w[i] = 0;
      });
    }
  }
  return w;
}

/**
 * The stages the agent has heard about (noise-free reading, last answer wins), plus the request's.
 * Programs have at most 3 stages: when a noisy user described more, the request's stage and the
 * most recently heard ones are kept.
 */
function heardStages(view: AgentView): Partial<Stages> {
  const heard = new Map<Stage, string>();
  const revealed = readRequest(view.request);
  for (const e of view.exchanges) {
    const a = parseAction(e.action);
    if (a.type !== 'ask' || a.stage === revealed?.stage) continue;
    const code = readStageReply(a.stage, e.feedback);
    if (code === null) continue;
    heard.delete(a.stage);
    heard.set(a.stage, code);
  }
  const present = [...heard].filter(([, code]) => code !== '');
  const kept = present.slice(Math.max(0, present.length - (revealed ? 2 : 3)));
  const out: Partial<Stages> = Object.fromEntries(kept);
  if (revealed) out[revealed.stage] = revealed.code;
  return out;
}

const codeOf = (stages: Partial<Stages>): string => ['code', ...STAGES.map((s) => stages[s] ?? '')].filter(Boolean).join(' ');
const askedStages = (view: AgentView): Set<string> =>
  new Set(view.exchanges.flatMap((e) => { const a = parseAction(e.action); return a.type === 'ask' ? [a.stage] : a.type === 'example' ? ['example'] : []; }));

/** Expected information gain of "ask example ?": entropy of the output, averaged over sampled inputs. */
function exampleGain(weights: readonly number[], rng: Rng, samples = 6): number {
  let total = 0;
  for (let k = 0; k < samples; k++) {
    const input = exampleInput(null, rng);
    const mass = new Map<string, number>();
    HYPOTHESES.forEach((h, i) => {
      if (weights[i] === 0) return;
      const r = runProgram(h.program, input);
      const key = 'value' in r ? valueText(r.value) : 'error';
      mass.set(key, (mass.get(key) ?? 0) + weights[i]);
    });
    total += entropy(mass.values());
  }
  return total / samples;
}

export const agents: Record<string, ScriptedAgent> = {
  /** Codes at once, from the request alone. */
  'act-now': (view) => codeOf(heardStages(view)),
  /** A random question, or (one time in four) a random program of 1-3 stages. */
  random: (_view, rng) => {
    if (rng.bernoulli(0.25)) {
      const chosen = rng.shuffle(STAGES).slice(0, rng.int(1, 3));
      return codeOf(Object.fromEntries(chosen.map((s) => [s, rng.pick(STAGE_OPTIONS[s].slice(1)).code])));
    }
    return rng.bernoulli(0.15) ? 'ask example ?' : `ask ${rng.pick(STAGES)} ?`;
  },
  /** Asks about every stage in order, then codes what it heard. */
  'ask-all': (view) => {
    const asked = askedStages(view);
    const next = STAGES.find((s) => !asked.has(s));
    if (!next || turnsLeft(view) <= 1) return codeOf(heardStages(view));
    return `ask ${next} ?`;
  },
  /**
   * Asks the question (a stage, or an example) with the highest expected information gain under
   * the true posterior over hidden programs; codes the most likely program when sure.
   */
  oracle: (view, rng) => {
    const noise = assumedNoise(view);
    const w = posterior(view, noise);
    const total = w.reduce((a, b) => a + b, 0);
    const best = argmax(w);
    const final = total > 0 ? `code ${programText(HYPOTHESES[best].program)}` : codeOf(heardStages(view));
    if (total === 0 || w[best] / total > 0.995 || turnsLeft(view) <= 1) return final;
    let ask = '';
    let gain = 0.01;
    for (const s of STAGES) {
      const codes = STAGE_OPTIONS[s].map((x) => x.code);
      const g = expectedInfoGain(HYPOTHESES, w, (h) => noisyCategorical(h.stages[s], codes, noise));
      if (g > gain) [ask, gain] = [`ask ${s} ?`, g];
    }
    if (exampleGain(w, rng) > gain + 0.05) ask = 'ask example ?';
    return ask || final;
  },
};

/** The demonstrator's expert is the oracle: its next question depends on what the answers have ruled out, and it codes once sure. */
const expert: ScriptedAgent = (view, rng) => agents.oracle(view, rng);

/** An uninformed move: asks again about a stage already known (or the one the request states), or codes what it heard before it is sure. */
const slip: ScriptedAgent = (view, rng) => {
  const revealed = readRequest(view.request)?.stage;
  const known = [...askedStages(view), ...(revealed ? [revealed] : [])].filter((s) => s !== 'example');
  if (known.length === 0 || rng.bernoulli(0.3)) return codeOf(heardStages(view));
  return `ask ${rng.pick(known)} ?`;
};

/** Warm-start demonstrator: the expert, with a share `rate` of uninformed moves. */
export const demonstrator = (rate: number): ScriptedAgent => slipping(expert, slip, rate);
agents.demo = demonstrator(DEFAULT_DEMO_SLIP);

/** Programs still consistent with the dialogue (noise-free reading). */
const consistentCount = (view: AgentView): number => posterior(view, 0).filter((w) => w > 0).length;

/** Feedback of exchange `index`: did the answer or example rule out programs? */
export function describeFeedback(view: AgentView, index: number): FeedbackKind {
  const a = parseAction(view.exchanges[index].action);
  if (a.type === 'code') return { label: 'final', informative: false };
  if (a.type === 'invalid') return { label: 'not-understood', informative: false };
  const narrowed = consistentCount(viewBefore(view, index + 1)) < consistentCount(viewBefore(view, index));
  if (a.type === 'example') return { label: narrowed ? 'example' : 'example-implied', informative: narrowed };
  return { label: narrowed ? 'stage' : 'stage-known', informative: narrowed };
}

export const coding: TaskFamily = {
  id: 'code',
  title: 'Collaborative coding',
  description:
    'The user holds a hidden list program of 2-3 stages (filter, map, dedupe, order, slice, result) and 8 hidden unit tests; the request reveals one stage. The agent asks about stages or for an input/output example, then writes the program in a small DSL ("code even desc first 2"). A real interpreter runs it on the hidden tests: reward = fraction passed (ColBench).',
  role: 'user',
  maxTurns: 8,
  grammar: ['ask STAGE ?   (filter, map, dedupe, order, slice, result)', 'ask example ?', 'code STEP ...   (even, odd, above N, below N, plus N, times N, dedupe, asc, desc, reverse, first N, skip N, sum, max, min, count)'],
  vocabulary: () =>
    vocabularyOf(
      REQUEST_HEAD,
      'ask ? code example of',
      EXAMPLE_WORD,
      'nothing',
      STAGES,
      OP_WORDS,
      NUMBER_WORDS,
      Object.values(STAGE_OPTIONS).flatMap((xs) => xs.flatMap((x) => [x.plain, x.terse, x.implicit])),
      CODE_DONE,
      personaVocabulary(),
    ),
  sample(rng: Rng, split: Split): TaskInstance {
    const { key, value } = sampleInSplit(rng, split, drawHidden);
    const hidden: CodingHidden = { ...value, tests: drawTests(stagesProgram(value.stages), rng) };
    return { family: 'code', id: `code/${split}/${key}`, split, request: requestText(hidden), hidden };
  },
  key: (instance) => {
    const h = instance.hidden as CodingHidden;
    return `${stagesText(h.stages)}|${h.revealed}`;
  },
  start(instance: TaskInstance, options: EpisodeOptions, rng: Rng): Episode {
    const hidden = instance.hidden as CodingHidden;
    const program = stagesProgram(hidden.stages);
    const voice = createVoice(options.persona, options.noise, rng);
    let score = 0;
    let submitted = false;
    return {
      instance,
      respond(action: string): Reply {
        if (submitted) return reply('', 'user', true, 0, false);
        const a = parseAction(action);
        if (a.type === 'ask') return reply(voice.say(stageAnswer(a.stage, hidden.stages[a.stage])).text, 'user');
        if (a.type === 'example') {
          const input = exampleInput(program, rng);
          const r = runProgram(program, input);
          const text = `${input.join(' ')} ${EXAMPLE_WORD} ${'value' in r ? valueText(r.value) : 'nothing'}`;
          return reply(voice.say({ plain: text }).text, 'user');
        }
        if (a.type === 'code') {
          submitted = true;
          score = a.program ? passRate(a.program, hidden.tests) : 0;
          return reply(`${Math.round(score * hidden.tests.length)} of ${hidden.tests.length} ${CODE_DONE}`, 'user', true, 0, a.program !== null);
        }
        return reply(NOT_UNDERSTOOD, 'user', false, 0, false);
      },
      outcome: () => ({ reward: score, success: submitted && score === 1 }),
    };
  },
  agents,
  demonstrator,
  // The request states one stage ("... sort from small to big ."), so the agent can tell the area.
  areas: STAGES,
  area: (instance) => (instance.hidden as CodingHidden).revealed,
  describeFeedback,
  actionKind: (action: string) => parseAction(action).type,
};
