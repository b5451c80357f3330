/**
 * The one config schema: validation, defaults, presets and a help line per knob. The setup form,
 * the URL, the CLI flags and the run record are all driven from here: adding a knob is one edit.
 * Help lines end with their source in brackets: [ref] = the InfoPO reference code's default,
 * [paper] = arXiv 2603.00656, [trl]/[verl] = those libraries' conventions, [sandbox] = ours.
 */
import { z } from 'zod';
import { getTask, TASK_IDS } from './tasks';
import { parseMissingCounts } from './tasks/intent';
import { ALL_KINDS } from './tasks/twenty-questions';
import { DEFAULT_DEMO_SLIP, parseSlipList } from './tasks/common';
import type { EpisodeOptions } from './tasks/types';
import { NON_ANSWER, PERSONA_IDS } from './users';
import { GREEDY, type SamplingOptions } from './policy/sampler';
import { isUserModelSpec, SCRIPTED_USER } from './user-lm/source';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);

export const METHODS = ['infopo', 'grpo', 'rloo', 'reinforce', 'starpo'] as const;
export type Method = (typeof METHODS)[number];

export const configSchema = z.strictObject({
  // -- run
  seed: int(0, 2 ** 31 - 1).default(1).describe('Seed of every random stream (tasks, user, sampling, init, order). [sandbox]'),
  method: z.enum(METHODS).default('infopo').describe('infopo = GRPO + gated information-gain term; grpo = outcome only; rloo = leave-one-out baseline; reinforce = no group normalisation; starpo = GRPO on the highest-variance groups only. [paper, trl]'),
  task: z
    .string()
    .max(200)
    .refine((v) => v.split(',').every((id) => TASK_IDS.includes(id)) && new Set(v.split(',')).size === v.split(',').length, { message: `a task id or a comma-separated mixture of distinct ids from: ${TASK_IDS.join(', ')}` })
    .default('20q')
    .describe('Task family id, or a comma-separated mixture trained together (e.g. "20q,intent"). [sandbox]'),
  persona: z.enum(PERSONA_IDS).default('cooperative').describe('Simulated user persona during training (cooperative, terse, verbose, noisy, implicit). [UserBench, sandbox]'),
  evalPersona: z.union([z.literal(''), z.enum(PERSONA_IDS)]).default('').describe('Persona for evaluation; empty = same as training (change it to test robustness to the user simulator). [paper §6]'),
  userModel: z
    .string()
    .max(200)
    .refine(isUserModelSpec, { message: 'scripted, user-lm, a checkpoint folder (a path starting with / or ./) or a Hub model id (owner/name)' })
    .default(SCRIPTED_USER)
    .describe("Who words the users' replies in training: scripted (the persona's templates), user-lm (the shipped LM user, docs/users.md), a checkpoint folder (command line) or a Hub model id (with internet). The scripted episode still decides validity, the end and the score. [paper §6, sandbox]"),
  evalUserModel: z
    .string()
    .max(200)
    .refine((v) => v === '' || isUserModelSpec(v), { message: 'empty (as in training), scripted, user-lm, a checkpoint folder or a Hub model id' })
    .default('')
    .describe('Who words them in evaluation; empty = as in training (set it to test a policy against another kind of user: simulator shift). [paper §6, sandbox]'),
  noise: num(0, 1).default(0.2).describe('Probability that the noisy persona answers wrongly. [sandbox]'),
  wrongGuess: z.enum(['end', 'turn']).default('end').describe('20 questions: a wrong guess ends the episode (end) or only costs a turn (turn). [TelepathyGym, sandbox]'),
  kinds: int(1, ALL_KINDS).default(ALL_KINDS).describe('20 questions: play only the first N kinds of the catalogue (animal, food, vehicle, tool, furniture, instrument; 12 items each, 3 of them test-only); 6 = all 72 items. A task-size knob for small policies and short runs. [sandbox]'),
  implicitRate: num(0, 1).default(0.3).describe("Travel: probability that a cooperative user states a preference only implicitly ('i travel for work' = refundable). [UserBench]"),
  intentMissing: z
    .string()
    .max(20)
    .refine((v) => parseMissingCounts(v) !== null, { message: 'missing-detail counts from 1 to 4: a range ("1-3") or a comma-separated list ("1,3")' })
    .default('1-3')
    .describe('Intent: how many details an instance hides, drawn uniformly from this range ("1-3") or list ("1,3"; a count listed twice is drawn twice as often), capped at the domain\'s slot count. With maxTurns 4, "1,3" mixes easy instances (one detail, two turns to spare) with ones that leave no turn to waste. [IntentionGym, sandbox]'),
  reward: z.enum(['task', 'success']).default('task').describe("Episode score R: task = the family's own (step rewards + final score, the reference); success = 1 for a successful episode, else 0 (binary: the paper's sparse regime, e.g. travel best-only). [ref, sandbox]"),
  steps: int(0, 100000).default(60).describe('RL training steps (one step = promptsPerStep groups of groupSize rollouts). [sandbox]'),
  promptsPerStep: int(1, 512).default(8).describe('Task instances (GRPO groups) per step. [verl: train_batch_size]'),
  groupSize: int(1, 64).default(5).describe('Rollouts per task instance (G). [ref: 5]'),
  maxTurns: int(0, 32).default(0).describe("Most agent turns in an episode (0 = the task's own budget: 20q 10, intent 6, code 8, travel 8, mastermind 6). [paper]"),
  maxActionTokens: int(1, 64).default(8).describe('Most tokens the agent may generate in one turn (its <eot> included). [sandbox]'),
  maxContext: int(16, 2048).default(192).describe('Context window of the policy in tokens; the episode ends when it is full. [sandbox]'),
  traceEvery: int(0, 100000).default(10).describe('Record full dialogue traces every N steps (0 = never; the first and last step are always traced when > 0). [sandbox]'),
  evalEvery: int(0, 100000).default(0).describe('Evaluate on the test split every N steps (0 = only at the end). [sandbox]'),
  evalEpisodes: int(0, 100000).default(32).describe('Test-split episodes per task and evaluation (greedy decoding). [sandbox]'),
  evalTemperature: num(0, 10).default(0).describe('Decoding of test episodes: 0 = greedy (the policy\'s most likely move), > 0 = sampled at this temperature from a stream fixed by evalSeed (what the policy does on average; a warm start that imitates a demonstrator with slips is greedy-perfect but not sample-perfect). [sandbox]'),
  evalSeed: int(0, 2 ** 31 - 1).default(1).describe('Seed of the test-split episodes: fixed across runs, so every run and every baseline of `npm run evaluate` meets the same instances and users. [sandbox]'),
  // -- policy model
  dModel: int(8, 1024).default(64).describe('Width of the transformer policy. [sandbox]'),
  nLayers: int(1, 24).default(2).describe('Transformer blocks. [sandbox]'),
  nHeads: int(1, 32).default(4).describe('Attention heads (must divide dModel). [sandbox]'),
  // -- sampling
  temperature: num(0.01, 10).default(1).describe('Sampling temperature for rollouts. [trl]'),
  topK: int(0, 100000).default(0).describe('Keep only the k most likely tokens when sampling (0 = off). [trl]'),
  topP: num(0.01, 1).default(1).describe('Nucleus sampling mass (1 = off). [trl]'),
  // -- supervised warm start
  init: z
    .string()
    .max(512)
    .regex(/^([a-z0-9][a-z0-9._-]{0,63}|[^\x00-\x1f]*[/\\][^\x00-\x1f]*)$/, 'scratch, pretrained, imported, the name of a checkpoint folder under models/ (lower-case letters, digits, . _ -), or (command line) a path to a checkpoint folder')
    .default('scratch')
    .describe('scratch: random weights from the seed; pretrained: the shipped all-task warm start models/infopo-warm; imported: the checkpoint imported on the page; a value with a / is a path to a checkpoint folder (command line only); any other value names a checkpoint folder under models/ (e.g. a per-task warm start). Hugging Face (config.json + model.safetensors) or legacy (model.json + weights.bin) layout; it must match dModel, nLayers, nHeads and the tokenizer. sftSteps then continue from it. [sandbox]'),
  sftSteps: int(0, 100000).default(150).describe('Supervised steps on scripted demonstrations before RL (0 = none). [sandbox]'),
  sftBatch: int(1, 1024).default(32).describe('Demonstration dialogues per supervised step. [sandbox]'),
  sftLr: num(0, 1).default(3e-3).describe('Learning rate of the warm start. [sandbox]'),
  demoSlip: num(0, 1).default(DEFAULT_DEMO_SLIP).describe("Share of uninformed moves of the warm-start demonstrator (redundant questions, acting before it knows enough); the rest are an expert's moves, which depend on the answers. Leaves RL room to improve. [sandbox]"),
  demoSlipByArea: z
    .string()
    .max(100)
    .refine((v) => parseSlipList(v) !== null, { message: 'comma-separated slip rates in [0, 1] ("0.05,0.9"), or empty' })
    .default('')
    .describe('Uneven warm-start skill: a slip rate per area of the requests, cycling over the areas in order (intent: the domains restaurant, flight, hotel, taxi, movie, gift, "0.05,0.9" = skilled in restaurant, hotel and movie, unskilled in the others; code: the stage the request states, filter, map, dedupe, order, slice, result), in place of demoSlip. Empty = demoSlip everywhere. A real model is good at some requests and bad at others: that, more than noise, is what ties GRPO groups. [sandbox]'),
  demoNonAnswer: num(0, 1).default(0).describe("Share of the warm-start demonstrations' user answers replaced by a non-answer (\"i have to think .\"), after which the demonstrator asks again. Teaches the policy what an unanswered question means, so a counterfactual whose placeholder is that non-answer is a situation it has seen. Warm start only: RL users always answer. [sandbox]"),
  // -- optimiser
  lr: num(0, 1).default(3e-4).describe('AdamW learning rate for RL (after the warm-up: constant, or as lrSchedule says). [ref: constant LR]'),
  warmupSteps: int(0, 100000).default(0).describe('Linear learning-rate warm-up steps for RL. [trl]'),
  lrSchedule: z.enum(['constant', 'linear', 'cosine']).default('constant').describe('Learning rate after the warm-up: constant (ref), or decayed towards 0 at the last RL step linearly or along a half cosine. [trl: lr_scheduler_type]'),
  adamBeta1: num(0, 0.9999).default(0.9).describe('AdamW beta1. [ref]'),
  adamBeta2: num(0, 0.99999).default(0.999).describe('AdamW beta2. [ref]'),
  weightDecay: num(0, 1).default(0.01).describe('AdamW decoupled weight decay. [ref: 0.01]'),
  gradClip: num(0, 1e6).default(1).describe('Global grad-norm clip (0 = off). [ref: 1.0]'),
  // -- PPO / GRPO loss
  ppoEpochs: int(1, 64).default(1).describe('Passes over each batch of rollouts. [ref: 1]'),
  miniBatches: int(1, 512).default(1).describe('Mini-batches per PPO epoch: the update splits each step\'s rollouts into this many parts, one optimiser step each (the reference: a train batch of 64 prompts in PPO mini-batches of 16 = 4, tau2 32 / 16 = 2; see the ref-* presets). [ref, verl]'),
  epsLow: num(0, 1).default(0.2).describe('PPO clip range below 1. [ref: 0.2]'),
  epsHigh: num(0, 10).default(0.2).describe('PPO clip range above 1 (DAPO clip-higher uses 0.28). [ref: 0.2]'),
  dualClip: num(1, 100).default(3).describe('Dual-clip bound c for negative advantages. [ref: 3]'),
  entropyCoef: num(0, 1).default(0.001).describe('Entropy bonus coefficient. [ref: 0.001]'),
  lossAgg: z.enum(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm']).default('token-mean').describe('Loss aggregation: token-mean (DAPO, ref), seq-mean-token-mean (GRPO paper), seq-mean-token-sum-norm (Dr. GRPO). [verl]'),
  outcomeScaling: z.enum(['group', 'batch', 'none']).default('group').describe('Divide outcome advantages by the group std (ref), the batch std, or not at all (Dr. GRPO). [trl: scale_rewards]'),
  klCoef: num(0, 100).default(0).describe('Coefficient of the KL penalty to the frozen warm-start policy (0 = off, ref). [verl]'),
  klEstimator: z.enum(['k1', 'k3']).default('k3').describe('KL estimator: k1 = log-ratio, k3 = unbiased low-variance (Schulman). [verl]'),
  keepFraction: num(0.01, 1).default(0.5).describe('starpo: fraction of groups kept, highest outcome variance first. [StarPO-S]'),
  // -- InfoPO
  beta: num(0, 100).default(0.5).describe('beta0: weight of the intrinsic advantage. [ref: 0.5 UserRL, 0.3 ColBench, 0.1 tau2]'),
  betaDecay: num(0, 10).default(0).describe('beta_e = beta0 * exp(-decay * step). [ref: 0]'),
  gateTemperature: num(1e-6, 100).default(0.5).describe('T of the variance gate sigmoid(-sigma_g / T). [ref: 0.5 UserRL and ColBench, 0.05 tau2]'),
  normalizeIntrinsic: z.boolean().default(true).describe('z-score the per-token information gain over the group. [ref: true]'),
  intrinsicOnly: z.boolean().default(false).describe('Ablation: A = s * A_int, no outcome term. [ref]'),
  capIntrinsic: z.boolean().default(true).describe('Apply the batch-level cap s = min(1, max(std(A_out), 1) / std(A_int)). [ref: true]'),
  infoGainEstimator: z.enum(['sampled', 'exact']).default('sampled').describe('IG per turn: sampled log-ratio of the taken tokens (ref) or exact per-position KL; both are logged. [ref: sampled]'),
  placeholder: z.string().min(1).max(200).default('No information found.').describe('Text that overwrites the feedback in the counterfactual. [ref]'),
  placeholderMode: z.enum(['equal-length', 'replace']).default('equal-length').describe('equal-length: overwrite in place, pad/truncate (ref); replace: splice in the whole placeholder. [ref, beyond]'),
  divergenceImpl: z.enum(['auto', 'kernel', 'ops']).default('auto').describe('Divergence computation: the fused WGSL kernel on webgpu (auto), or tfjs ops for comparison. [sandbox]'),
  prefixReuse: z.boolean().default(true).describe('Counterfactual passes reuse the real pass for the shared prefix and run only the suffix. [beyond]'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
export type ConfigInput = Partial<Config>;

export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];
export const DEFAULT_CONFIG: Config = configSchema.parse({});

/** The first key of each knob group, in schema order: a group runs to the next group's first key. */
const GROUP_STARTS: Record<string, ConfigKey> = { Run: 'seed', Model: 'dModel', Sampling: 'temperature', 'Warm start': 'init', Optimiser: 'lr', 'PPO / GRPO': 'ppoEpochs', InfoPO: 'beta' };

/** Knob groups for forms and docs, in display order; derived from the schema's order, so a new knob joins the group it is written in. */
export const KNOB_GROUPS: Record<string, ConfigKey[]> = (() => {
  const starts = Object.entries(GROUP_STARTS).map(([group, key]) => [group, CONFIG_KEYS.indexOf(key)] as const);
  if (starts.some(([, i]) => i < 0) || starts.some(([, i], k) => k > 0 && i <= starts[k - 1][1]) || starts[0][1] !== 0) throw new Error('config.ts: GROUP_STARTS must name schema keys in schema order, the first key first');
  return Object.fromEntries(starts.map(([group, i], k) => [group, CONFIG_KEYS.slice(i, k + 1 < starts.length ? starts[k + 1][1] : CONFIG_KEYS.length)]));
})();

export function helpOf(key: ConfigKey): string {
  return configSchema.shape[key].description ?? '';
}

/** What every paper-regime preset shares: the model shape of the shipped warm starts, no warm start of its own, 60 steps of 8 groups x G = 5, binary reward. */
const PAPER_RUN: ConfigInput = { sftSteps: 0, steps: 60, promptsPerStep: 8, groupSize: 5, dModel: 64, nLayers: 2, nHeads: 4, maxContext: 192, reward: 'success' };
/** Their evaluation: 256 sampled test episodes (a warm start that imitates a demonstrator with slips is greedy-perfect more often than sample-perfect), a curve every 20 steps. */
const PAPER_PROTOCOL: ConfigInput = { evalEpisodes: 256, evalTemperature: 1, evalEvery: 20, traceEvery: 10 };

/** The page's landing run (the demo preset); demo-gpu is the same at 320 dialogues per step. */
const DEMO_VALUES: ConfigInput = { ...PAPER_RUN, task: 'intent', maxTurns: 4, intentMissing: '1,3,3', init: 'warm-intent-demo', demoSlip: 0.7, demoNonAnswer: 0.15, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.5, gateTemperature: 0.5, miniBatches: 4, steps: 30, evalEpisodes: 256, evalTemperature: 1, evalEvery: 5, traceEvery: 5 };

/** Presets are partial configs over the defaults. */
export const PRESETS: Record<string, { help: string; values: ConfigInput }> = {
  smoke: {
    help: 'Finishes in seconds: a tiny model, a few steps, traces every step. Used by the tests.',
    values: { steps: 3, promptsPerStep: 2, groupSize: 3, maxTurns: 3, dModel: 16, nLayers: 1, nHeads: 2, sftSteps: 4, sftBatch: 4, traceEvery: 1, evalEpisodes: 4, maxContext: 96 },
  },
  quick: {
    help: 'InfoPO vs GRPO in a few minutes on 2 CPU cores (wasm, ~2.5 min a run): tool-augmented booking (travel) from the shipped warm-start checkpoint, 60 RL steps of 8 groups x G = 5, with the reference tau2 settings for tool tasks (beta0 0.1, T 0.05). Compare with --set method=grpo (the paper-regime presets are measured in docs/results.md).',
    values: { task: 'travel', init: 'pretrained', sftSteps: 0, steps: 60, promptsPerStep: 8, groupSize: 5, maxTurns: 0, dModel: 64, nLayers: 2, nHeads: 4, maxContext: 192, beta: 0.1, gateTemperature: 0.05, traceEvery: 10, evalEpisodes: 64 },
  },

  demo: {
    help: "The page's landing state: intent clarification with no turn to waste (4 turns; a third of the requests hide 1 detail, two thirds hide 3), from the shipped warm start models/warm-intent-demo, which knows the right questions but makes an uninformed move (a redundant question, a guess) 70% of the time. Binary reward, G = 5, UserRL settings (beta0 0.5, T 0.5, 4 PPO mini-batches); about 44% of the early groups are tied. 30 RL steps of 8 groups (about half a minute on 2 cores); test success on 256 sampled test episodes every 5 steps. Race it against GRPO: InfoPO credits informative questions even in tied groups and rises sooner (docs/learning-speed.md).",
    values: DEMO_VALUES,
  },
  'demo-gpu': {
    help: "The demo at the reference's batch for a fast GPU: 64 task instances x G = 5 = 320 dialogues per RL step instead of the demo's 8 x 5 = 40, with everything else the demo's (seed, task, warm start models/warm-intent-demo, knobs, 30 steps, evaluations). The page offers it when its backend probe finds a hardware WebGPU adapter faster than wasm at 320 dialogues per step; on wasm a step costs about 9x the demo's (docs/performance.md, batch scaling).",
    values: { ...DEMO_VALUES, promptsPerStep: 64 },
  },

  // The paper's regime (docs/infopo.md §6): binary outcomes, small groups, most groups tied at the
  // start, from a warm start that imitates an answer-conditioned demonstrator with 30% uninformed
  // moves (npm run make-warm-start -- --preset NAME builds the checkpoint each one names).
  'paper-20q': {
    help: "20 questions in the paper's regime: 36 items (kinds 3; 9 held out for testing, never rewarded in RL), 6 turns, binary reward, G = 5, UserRL settings (beta0 0.5, T 0.5), from the warm start models/warm-20q (demonstrator with half of its moves uninformed).",
    values: { ...PAPER_RUN, task: '20q', kinds: 3, maxTurns: 6, init: 'warm-20q', demoSlip: 0.5, beta: 0.5, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-intent': {
    help: "Intent clarification in the paper's regime: 5 turns, binary reward (every missing detail right), G = 5, UserRL settings (beta0 0.5, T 0.5), from the warm start models/warm-intent. The warm start's demonstrations leave 15% of the questions unanswered (\"i have to think .\", then the expert asks again), and the counterfactual replaces the answer with that non-answer, so masking shows the policy a situation it has seen (the reference's \"No information found.\" is made of words it never saw: docs/results/ig-probe/README.md).",
    values: { ...PAPER_RUN, task: 'intent', maxTurns: 5, init: 'warm-intent', demoSlip: 0.3, demoNonAnswer: 0.15, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.5, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-intent-tight': {
    help: "Intent clarification with no turn to waste: 4 turns; a third of the instances hide 1 detail (two turns to spare), two thirds hide 3 (three questions and the answer: one uninformed move and the episode fails, unless a guess happens to be right). Binary reward, G = 5, UserRL settings (beta0 0.5, T 0.5), from the warm start models/warm-intent-tight (demonstrator with 60% uninformed moves, 15% non-answers). Most hard instances fail in all 5 rollouts at the start: the paper's regime, where GRPO has no signal and InfoPO's credit still tells informative questions from wasted ones.",
    values: { ...PAPER_RUN, task: 'intent', maxTurns: 4, intentMissing: '1,3,3', init: 'warm-intent-tight', demoSlip: 0.6, demoNonAnswer: 0.15, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.5, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-intent-uneven': {
    help: "Intent clarification from a warm start of uneven skill, the way real models are uneven: models/warm-intent-uneven imitated a demonstrator that is nearly expert in half of the domains (restaurant, hotel, movie: 5% uninformed moves) and nearly always uninformed in the others (flight, taxi, gift: 90%). Instances hide 2-3 details, 5 turns, binary reward, G = 5, UserRL settings (beta0 0.5, T 0.5). Groups mostly all succeed (skilled domains) or all fail (the others): the paper's regime, where GRPO has no signal and InfoPO's credit still tells informative questions from wasted ones.",
    values: { ...PAPER_RUN, task: 'intent', maxTurns: 5, intentMissing: '2-3', init: 'warm-intent-uneven', demoSlipByArea: '0.05,0.9', demoNonAnswer: 0.15, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.5, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-code': {
    help: "Collaborative coding in the paper's regime: 6 turns, binary reward (every hidden test passes), G = 5, ColBench settings (beta0 0.3, T 0.5), from the warm start models/warm-code. As in paper-intent, the demonstrations leave questions unanswered (50% here) and the counterfactual replaces the answer with that non-answer (\"i have to think .\").",
    values: { ...PAPER_RUN, task: 'code', maxTurns: 6, init: 'warm-code', demoSlip: 0.3, demoNonAnswer: 0.5, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.3, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-code-uneven': {
    help: "Collaborative coding from a warm start of uneven skill: models/warm-code-uneven imitated a demonstrator that is nearly expert when the request states the filter, dedupe or slice stage (5% uninformed moves) and nearly always uninformed when it states the map, order or result stage (90%). 6 turns, binary reward, G = 5, ColBench settings (beta0 0.3, T 0.5). Most groups start tied, nearly all of the unskilled areas' as failures: the paper's regime.",
    values: { ...PAPER_RUN, task: 'code', maxTurns: 6, init: 'warm-code-uneven', demoSlipByArea: '0.05,0.9', demoNonAnswer: 0.5, placeholder: NON_ANSWER, placeholderMode: 'replace', beta: 0.3, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },
  'paper-travel': {
    help: "Tool-augmented booking in the paper's regime: 8 turns, best-only binary reward, G = 5, tau2 settings (beta0 0.1, T 0.05), from the warm start models/warm-travel. The counterfactual replaces the feedback with \"i do not mind .\", an uninformative answer the policy has seen.",
    values: { ...PAPER_RUN, task: 'travel', maxTurns: 8, init: 'warm-travel', demoSlip: 0.3, placeholder: 'i do not mind .', placeholderMode: 'replace', beta: 0.1, gateTemperature: 0.05, ...PAPER_PROTOCOL },
  },
  'paper-mastermind': {
    help: "The environment-interactive task (no user: the feedback is the environment's): Mastermind, 6 turns, binary reward, G = 5, UserRL settings, from the warm start models/warm-mastermind.",
    values: { ...PAPER_RUN, task: 'mastermind', maxTurns: 6, init: 'warm-mastermind', demoSlip: 0.3, beta: 0.5, gateTemperature: 0.5, ...PAPER_PROTOCOL },
  },

  'ref-userrl': {
    help: 'Reference InfoPO settings for the UserRL gyms: beta0 = 0.5, T = 0.5, 4 PPO mini-batches (train batch 64 prompts / mini-batch 16).',
    values: { method: 'infopo', beta: 0.5, gateTemperature: 0.5, miniBatches: 4 },
  },
  'ref-colbench': {
    help: 'Reference InfoPO settings for ColBench: beta0 = 0.3, T = 0.5, 4 PPO mini-batches (64 / 16).',
    values: { method: 'infopo', beta: 0.3, gateTemperature: 0.5, miniBatches: 4 },
  },
  'ref-tau2': {
    help: 'Reference InfoPO settings for tau2-bench: beta0 = 0.1, T = 0.05, 2 PPO mini-batches (train batch 32 / mini-batch 16).',
    values: { method: 'infopo', beta: 0.1, gateTemperature: 0.05, miniBatches: 2 },
  },
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** A value as quoted in an error message, cut short (a hostile link may carry a long one). */
function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? JSON.stringify(value) ?? String(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} chars)` : text;
}

/** Validate a partial config over the defaults; throws ConfigError naming each key, value and rule. */
export function resolveConfig(input: unknown): Config {
  const result = configSchema.safeParse(input ?? {});
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) problems.push(`unknown key "${shownKey(k)}" (known keys: ${CONFIG_KEYS.join(', ')})`);
        continue;
      }
      const value = (input as Record<string, unknown>)?.[key];
      problems.push(`${key} = ${describeValue(value)}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const config = result.data;
  if (config.dModel % config.nHeads !== 0) problems.push(`nHeads = ${config.nHeads}: must divide dModel = ${config.dModel}`);
  if (config.demoSlipByArea.trim() !== '') {
    const without = config.task.split(',').filter((id) => !getTask(id).areas);
    if (without.length) problems.push(`demoSlipByArea = ${describeValue(config.demoSlipByArea)}: task ${without.join(', ')} has no areas (intent has its domains, code the stage its request states)`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Longest key name quoted back in a message about ignored keys (a hostile link may carry a 200 KB one). */
export const SHOWN_KEY_CHARS = 40;

/** A key name as quoted in messages: cut to SHOWN_KEY_CHARS, control characters removed. */
export function shownKey(key: string): string {
  // Control characters, and the bidirectional overrides and isolates that would reorder the rest of the line, show as '?'.
  // eslint-disable-next-line no-control-regex
  const clean = key.replace(/[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > SHOWN_KEY_CHARS ? `${clean.slice(0, SHOWN_KEY_CHARS)}… (${clean.length} chars)` : clean;
}

/** One line naming ignored keys: at most 5 names, each cut short, then how many more. */
export function ignoredKeysLine(keys: readonly string[], where: string): string {
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(shownKey(k)));
  const more = keys.length > 5 ? ` and ${keys.length - 5} more` : '';
  return `Ignored ${keys.length === 1 ? 'an unknown key' : `${keys.length} unknown keys`} in ${where}: ${shown.join(', ')}${more}.`;
}

/**
 * resolveConfig for input from outside (a link, a file): keys the schema does not know are left out
 * and returned (so the rest loads and the page can name them); every known key is still validated.
 */
export function resolveConfigLenient(input: unknown): { config: Config; ignored: string[] } {
  if (input === null || input === undefined) return { config: resolveConfig({}), ignored: [] };
  if (typeof input !== 'object' || Array.isArray(input)) return { config: resolveConfig(input), ignored: [] };
  const known: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if ((CONFIG_KEYS as string[]).includes(k)) known[k] = v;
    else ignored.push(k);
  }
  return { config: resolveConfig(known), ignored };
}

/** Apply presets in order, then explicit overrides, then validate. */
export function configFromPresets(presets: string[], overrides: Record<string, unknown> = {}): Config {
  const merged: Record<string, unknown> = {};
  for (const name of presets) {
    const preset = PRESETS[name];
    if (!preset) throw new ConfigError([`unknown preset "${name}" (known: ${Object.keys(PRESETS).join(', ')})`]);
    Object.assign(merged, preset.values);
  }
  return resolveConfig({ ...merged, ...overrides });
}

/** Parse a `key=value` string value to the key's type (CLI --set, URL parameters). */
export function parseKnobValue(key: string, raw: string): unknown {
  if (!(CONFIG_KEYS as string[]).includes(key)) throw new ConfigError([`unknown key "${key}" (known keys: ${CONFIG_KEYS.join(', ')})`]);
  const current = DEFAULT_CONFIG[key as ConfigKey];
  if (typeof current === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new ConfigError([`${key} = ${JSON.stringify(raw)}: expected a number`]);
    return value;
  }
  if (typeof current === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError([`${key} = ${JSON.stringify(raw)}: expected true or false`]);
  }
  return raw;
}

/** The keys whose values differ from the defaults (for compact URLs and summaries). */
export function diffFromDefaults(config: Config): Partial<Config> {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) if (config[key] !== DEFAULT_CONFIG[key]) out[key] = config[key];
  return out as Partial<Config>;
}

/** The options of every episode a config plays (training, warm start, evaluation): assembled here only. */
export type EpisodeSettings = EpisodeOptions & { maxActionTokens: number; maxContext: number };

export function episodeOptions(config: Config, persona: string = config.persona): EpisodeSettings {
  const c = config;
  return { maxTurns: c.maxTurns, persona, noise: c.noise, wrongGuess: c.wrongGuess, implicitRate: c.implicitRate, kinds: c.kinds, intentMissing: c.intentMissing, reward: c.reward, maxActionTokens: c.maxActionTokens, maxContext: c.maxContext };
}

/** How training draws the agent's tokens (and the probes, which look at a policy as RL samples it): assembled here only. */
export function trainingDecoding(config: Config): SamplingOptions {
  return { temperature: config.temperature, topK: config.topK, topP: config.topP, greedy: false };
}

/** How evaluation decodes: greedy at evalTemperature 0, else sampled at that temperature with neither top-k nor top-p. */
export function evaluationDecoding(config: Config): SamplingOptions {
  return config.evalTemperature === 0 ? GREEDY : { temperature: config.evalTemperature, topK: 0, topP: 1, greedy: false };
}
