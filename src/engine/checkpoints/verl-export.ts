/**
 * Export a sandbox experiment to the reference trainer (github.com/kfq20/InfoPO, a fork of
 * verl/UserRL) for scale-out on a GPU cluster: the task instances as parquet in the row shape its
 * data preprocessing writes (data_source, chat prompt, ability, reward_model, extra_info with the
 * interact tool's create_kwargs), a map from every sandbox knob to the reference's config key, and
 * a README with the launch command. Browser-safe: parquet bytes come from hyparquet-writer.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { CONFIG_KEYS, ConfigError, diffFromDefaults, episodeOptions, type Config, type ConfigKey } from '../config';
import { Rng, createStreams } from '../random';
import { getTask, type TaskFamily, type TaskInstance } from '../tasks';
import { episodeStreams } from '../evaluation';
import type { WordTokenizer } from '../text/tokenizer';
import { FAMILY_VERBS, gymFixtures, gymTables, simulatorKwargs } from './verl-gym';
import { REFERENCE_COMMIT } from './verl-reference-keys';

export const VERL_EXPORT_FORMAT = 'infopo-sandbox/verl-export@2';

/**
 * One parquet row, in the reference's shape (examples/data_preprocess/*_multiturn_w_tool.py).
 * `data_source` starts with "interact" and `reward_model.type` is "env_reward": either makes the
 * reference's reward manager (workers/reward_manager/naive.py) take the gym's reward instead of
 * calling default_compute_score, which knows no such source.
 */
export interface VerlRow {
  data_source: string;
  prompt: { role: 'system' | 'user'; content: string }[];
  ability: string;
  reward_model: { style: string; type: string; ground_truth: string; env_name: string; family: string; id: string };
  extra_info: {
    split: 'train' | 'test';
    index: number;
    need_tools_kwargs: boolean;
    tools_kwargs: { interact_with_env: { create_kwargs: CreateKwargs } };
  };
}

/**
 * What the gym (infopo_sandbox_gym) needs to rebuild the sandbox's episode: the instance and the
 * simulator's settings. The reference's rollout passes these to InteractTool.create(instance_id,
 * env_name, max_turns, **kwargs) after setting max_turns and model_name itself, so no key may be
 * `instance_id` or `request_id` (a duplicate argument) and the turn budget travels as
 * `turn_budget` (its `max_turns` is overwritten by multi_turn.max_turns).
 */
export interface CreateKwargs {
  env_name: string;
  family: string;
  /** The instance id (`id`, as the reference's own rows name it). */
  id: string;
  request: string;
  /** The hidden information, as JSON (its shape differs between task families). */
  hidden_json: string;
  persona: string;
  noise: number;
  /** The family's turn budget in this run (maxTurns, or the family's own when 0). */
  turn_budget: number;
  wrong_guess: string;
  implicit_rate: number;
  kinds: number;
  /** The score R: task (step rewards + final reward) or success (1/0). */
  reward: string;
  /** The simulated user's random stream at the episode's start: four 32-bit integers. */
  user_rng_state: string;
  /** Fork that stream by the rollout's request id (train rows: the n rollouts of a prompt meet independent users). */
  fork_user_by_request: boolean;
}

export const envNameOf = (family: string) => `InfoPOSandbox-${family}`;

/** The interact tool's `choice` values a family uses (its schema allows action, answer, search). */
export function familyChoices(familyId: string): string[] {
  const verbs = FAMILY_VERBS[familyId];
  return familyId === 'mastermind' ? ['action'] : ['action', 'answer', ...(verbs.search ? ['search'] : [])];
}

/** The system prompt: the environment, the tool's choice values and what each one's content is, the grammar, the budget. */
export function systemPrompt(family: TaskFamily, maxTurns: number): string {
  const verbs = FAMILY_VERBS[family.id];
  const choices = familyChoices(family.id);
  const describe: Record<string, string> = {
    action:
      family.id === 'mastermind'
        ? `\`action\`: the content is a code to try, \`${verbs.answer} COLOUR COLOUR COLOUR\`.`
        : `\`action\`: the content is a question in the grammar below (anything but \`${verbs.answer}\`${verbs.search ? ` and \`${verbs.search}\`` : ''}).`,
    answer: `\`answer\`: your final move, \`${verbs.answer} ...\` in the grammar below (the word \`${verbs.answer}\` may be left out); the episode ends with it.`,
    search: `\`search\`: a query to the hotel catalogue tool, \`${verbs.search} ...\` in the grammar below (the word \`${verbs.search}\` may be left out).`,
  };
  return [
    'You are an agent that actively interacts with a user or an environment. The following describes the environment and your action space.',
    '',
    `- Environment Description: ${family.title}. ${family.description}`,
    '',
    `- Action Space: call the tool \`interact_with_env\` with a \`choice\` and a \`content\`. The choice must be one of: ${choices.map((c) => `\`${c}\``).join(', ')}.`,
    ...choices.map((c) => `  * ${describe[c]}`),
    '',
    '- Grammar of the content:',
    ...family.grammar.map((g) => `  * ${g}`),
    '',
    `- You have at most ${maxTurns} turns; a reply without a tool call ends the episode. Ask before you act when the request leaves something open.`,
  ].join('\n');
}

function row(family: TaskFamily, instance: TaskInstance, index: number, config: Config, persona: string, user: Rng, forkUser: boolean): VerlRow {
  const maxTurns = config.maxTurns || family.maxTurns;
  const env_name = envNameOf(family.id);
  const hidden_json = JSON.stringify(instance.hidden);
  const sim = simulatorKwargs(config, persona);
  return {
    data_source: `interact_infopo_sandbox_${family.id}`,
    prompt: [
      { role: 'system', content: systemPrompt(family, maxTurns) },
      { role: 'user', content: instance.request },
    ],
    ability: 'interaction',
    reward_model: { style: 'rule', type: 'env_reward', ground_truth: hidden_json, env_name, family: family.id, id: instance.id },
    extra_info: {
      split: instance.split,
      index,
      need_tools_kwargs: true,
      tools_kwargs: {
        interact_with_env: {
          create_kwargs: {
            env_name,
            family: family.id,
            id: instance.id,
            request: instance.request,
            hidden_json,
            persona: sim.persona,
            noise: sim.noise,
            turn_budget: maxTurns,
            wrong_guess: sim.wrong_guess,
            implicit_rate: sim.implicit_rate,
            kinds: sim.kinds,
            reward: sim.reward,
            user_rng_state: user.getState().join(' '),
            fork_user_by_request: forkUser,
          },
        },
      },
    },
  };
}

/**
 * The train rows are exactly the instances a sandbox run of `config` meets, in order (the trainer's
 * `tasks` stream: per step, promptsPerStep draws, the family picked first when several are mixed);
 * the test rows are exactly those its evaluation meets (evalEpisodes per family from evalSeed),
 * each with the user stream of that evaluation episode, so a test row plays like `npm run
 * evaluate` given the same actions. A train row's user stream is its own (derived from the seed
 * and the row), forked per rollout by the gym.
 */
export function verlRows(config: Config, opts: { trainRows?: number; testPerTask?: number } = {}): { train: VerlRow[]; test: VerlRow[] } {
  const families = config.task.split(',').map(getTask);
  const options = episodeOptions(config);
  const nTrain = opts.trainRows ?? config.steps * config.promptsPerStep;
  const rng: Rng = createStreams(config.seed).tasks;
  const train: VerlRow[] = [];
  for (let i = 0; i < nTrain; i++) {
    const family = families.length === 1 ? families[0] : rng.pick(families);
    train.push(row(family, family.sample(rng, 'train', options), i, config, config.persona, Rng.derive(config.seed, `verl/train/${i}/user`), true));
  }
  const nTest = opts.testPerTask ?? config.evalEpisodes;
  const test: VerlRow[] = [];
  for (const family of families) {
    for (let i = 0; i < nTest; i++) {
      const s = episodeStreams(config.evalSeed, family.id, 'test', i);
      test.push(row(family, family.sample(s.instance, 'test', options), test.length, config, config.evalPersona || config.persona, s.user, false));
    }
  }
  return { train, test };
}

// ---------------------------------------------------------------- parquet

const str = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });
const group = (name: string, n: number) => ({ name, repetition_type: 'OPTIONAL' as const, num_children: n });

/** The parquet schema of VerlRow: nested structs and a list of structs, as HF datasets writes them. */
export const VERL_SCHEMA = [
  { name: 'schema', num_children: 5 },
  str('data_source'),
  { name: 'prompt', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  group('element', 2),
  str('role'),
  str('content'),
  str('ability'),
  group('reward_model', 6),
  str('style'),
  str('type'),
  str('ground_truth'),
  str('env_name'),
  str('family'),
  str('id'),
  group('extra_info', 4),
  str('split'),
  { name: 'index', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'need_tools_kwargs', type: 'BOOLEAN' as const, repetition_type: 'OPTIONAL' as const },
  group('tools_kwargs', 1),
  group('interact_with_env', 1),
  group('create_kwargs', 14),
  str('env_name'),
  str('family'),
  str('id'),
  str('request'),
  str('hidden_json'),
  str('persona'),
  { name: 'noise', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'turn_budget', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  str('wrong_guess'),
  { name: 'implicit_rate', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'kinds', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  str('reward'),
  str('user_rng_state'),
  { name: 'fork_user_by_request', type: 'BOOLEAN' as const, repetition_type: 'OPTIONAL' as const },
];

export function verlParquet(rows: VerlRow[]): Uint8Array {
  if (!rows.length) throw new Error('no rows to write (a parquet file needs at least one)');
  const ints = (r: VerlRow) => {
    const c = r.extra_info.tools_kwargs.interact_with_env.create_kwargs;
    return {
      ...r,
      extra_info: {
        ...r.extra_info,
        index: BigInt(r.extra_info.index),
        tools_kwargs: { interact_with_env: { create_kwargs: { ...c, turn_budget: BigInt(c.turn_budget), kinds: BigInt(c.kinds) } } },
      },
    };
  };
  const data = rows.map(ints);
  const col = <K extends keyof VerlRow>(k: K) => ({ name: k, data: data.map((r) => r[k]) as unknown[] });
  const buffer = parquetWriteBuffer({
    columnData: [col('data_source'), col('prompt'), col('ability'), col('reward_model'), col('extra_info')] as Parameters<typeof parquetWriteBuffer>[0]['columnData'],
    schema: VERL_SCHEMA as Parameters<typeof parquetWriteBuffer>[0]['schema'],
    createdBy: 'infopo-sandbox export-verl (hyparquet-writer)',
    kvMetadata: [{ key: 'infopo_sandbox', value: VERL_EXPORT_FORMAT }],
  });
  return new Uint8Array(buffer);
}

// ---------------------------------------------------------------- knobs

export type MapStatus = 'mapped' | 'approximate' | 'data' | 'sandbox-only' | 'no-equivalent';

export interface KnobMapping {
  sandbox: ConfigKey;
  value: unknown;
  /** Reference config keys and the values this run implies (Hydra overrides). */
  reference: { key: string; value: string | number | boolean }[];
  status: MapStatus;
  note: string;
}

const K = (key: string, value: string | number | boolean) => ({ key, value });
const INTRINSIC = 'algorithm.intrinsic_reward';

/** Every sandbox knob, with the reference key it maps to (or why none). */
export function knobMap(c: Config): KnobMapping[] {
  const budget = Math.max(...c.task.split(',').map((t) => getTask(t).maxTurns));
  const infopo = c.method === 'infopo';
  const m = (sandbox: ConfigKey, status: MapStatus, reference: { key: string; value: string | number | boolean }[], note = ''): KnobMapping => ({ sandbox, value: c[sandbox], reference, status, note });
  const methodRefs: Record<Config['method'], [MapStatus, { key: string; value: string | number | boolean }[], string]> = {
    infopo: ['mapped', [K('algorithm.adv_estimator', 'info_grpo'), K('algorithm.use_intrinsic_reward', true)], 'compute_info_grpo_advantage in core_algos.py'],
    grpo: ['mapped', [K('algorithm.adv_estimator', 'grpo'), K('algorithm.use_intrinsic_reward', false)], 'outcome-only GRPO'],
    rloo: ['mapped', [K('algorithm.adv_estimator', 'rloo'), K('algorithm.use_intrinsic_reward', false)], "verl's leave-one-out estimator"],
    reinforce: ['no-equivalent', [], "the sandbox's plain REINFORCE (mean baseline, no std) has no estimator in the reference; reinforce_plus_plus normalises differently"],
    starpo: ['approximate', [K('algorithm.adv_estimator', 'grpo'), K('algorithm.use_intrinsic_reward', false), K('ragen.rollout_filter.enable', true), K('ragen.rollout_filter.metric', 'reward_variance'), K('ragen.rollout_filter.filter_type', 'largest')], 'RAGEN rollout filter (keeps the highest-variance groups)'],
  };
  const [mStatus, mRefs, mNote] = methodRefs[c.method];
  const onlyInfo = (refs: { key: string; value: string | number | boolean }[]) => (infopo ? refs : []);
  const infoNote = infopo ? '' : ' (unused: method is not infopo)';
  const list: KnobMapping[] = [
    m('seed', 'approximate', [K('data.seed', c.seed)], 'the reference seeds data shuffling only; GPU sampling is not bit-reproducible'),
    m('method', mStatus, mRefs, mNote),
    m('task', 'data', [K('data.train_files', 'train.parquet'), K('data.val_files', 'test.parquet')], `rows carry env_name ${c.task.split(',').map(envNameOf).join(', ')}; the reference's gyms closest in spirit: 20q ~ TelepathyGym, intent ~ IntentionGym, travel ~ TravelGym, code ~ ColBench; mastermind has none`),
    m('persona', 'data', [K('actor_rollout_ref.rollout.multi_turn.model_name', 'none')], "in each train row: create_kwargs.persona; the export's gyms simulate the persona by rule, as the sandbox does (the rollout still copies multi_turn.model_name into create_kwargs; the gyms ignore it)"),
    m('evalPersona', 'data', [], 'in each test row: create_kwargs.persona'),
    m('userModel', c.userModel === 'scripted' ? 'data' : 'no-equivalent', [], c.userModel === 'scripted' ? "the export's gyms word every reply by the persona's rules, as the scripted user does" : "the export's gyms word replies by the persona's rules: this run's LM user is not exported (the reference's own gyms prompt an LLM user, multi_turn.model_name)"),
    m('evalUserModel', (c.evalUserModel || c.userModel) === 'scripted' ? 'data' : 'no-equivalent', [], (c.evalUserModel || c.userModel) === 'scripted' ? 'test rows are answered by the persona\'s rules too' : "the LM user of evaluation is not exported; the test rows' gyms answer by rule"),
    m('noise', 'data', [], 'create_kwargs.noise'),
    m('wrongGuess', 'data', [], 'create_kwargs.wrong_guess'),
    m('kinds', 'data', [], 'create_kwargs.kinds (and the 20q instances exported)'),
    m('intentMissing', 'data', [], 'the intent instances exported are drawn with it (their hidden_json holds the missing details)'),
    m('implicitRate', 'data', [], 'create_kwargs.implicit_rate'),
    m('reward', 'data', [], "create_kwargs.reward: the environment's score (task) or 1/0 success; the reference's gyms return their own score"),
    m('steps', 'mapped', [K('trainer.total_training_steps', c.steps), K('trainer.total_epochs', 1)], 'one pass over train.parquet = exactly the sandbox run\'s instances'),
    m('promptsPerStep', 'mapped', [K('data.train_batch_size', c.promptsPerStep), K('data.shuffle', false)], 'prompts per step; unshuffled, so steps meet the rows in the sandbox\'s order'),
    m('groupSize', 'mapped', [K('actor_rollout_ref.rollout.n', c.groupSize)]),
    m('maxTurns', 'mapped', [K('actor_rollout_ref.rollout.multi_turn.max_turns', c.maxTurns || budget)], c.maxTurns ? '' : `0 = each task's own budget; the reference takes one limit, the largest (${budget})`),
    m('maxActionTokens', 'approximate', [K('actor_rollout_ref.rollout.response_length_one_turn', Math.max(256, c.maxActionTokens * 32))], 'the sandbox counts words; a real LLM needs room to think (the reference uses 1024)'),
    m('maxContext', 'approximate', [K('data.max_prompt_length', 1152), K('data.max_response_length', 8192)], "word tokens vs BPE tokens: the reference's own lengths are given"),
    m('traceEvery', 'sandbox-only', [], 'the sandbox records dialogue traces; verl logs with trainer.logger'),
    m('evalEvery', 'mapped', [K('trainer.test_freq', c.evalEpisodes > 0 ? (c.evalEvery > 0 ? c.evalEvery : c.steps) : -1)], 'the reference validates when test_freq > 0, at every test_freq-th step and at the last (ray_trainer.fit); the sandbox evaluates every evalEvery steps (0 = none) and at the end'),
    m('evalEpisodes', 'mapped', [K('trainer.val_before_train', c.evalEpisodes > 0)], 'test.parquet holds evalEpisodes instances per task; the sandbox evaluates before RL too (step 0), as val_before_train does'),
    m('evalSeed', 'data', [], 'test.parquet holds the instances this seed gives'),
    m('evalTemperature', 'mapped', [K('actor_rollout_ref.rollout.val_kwargs.do_sample', c.evalTemperature > 0), K('actor_rollout_ref.rollout.val_kwargs.temperature', c.evalTemperature), K('actor_rollout_ref.rollout.val_kwargs.top_k', -1), K('actor_rollout_ref.rollout.val_kwargs.top_p', 1)], 'validation decodes greedily unless val_kwargs.do_sample; sampled evaluation uses neither top-k nor top-p, in both'),
    m('dModel', 'sandbox-only', [K('actor_rollout_ref.model.path', '$MODEL_PATH')], 'the policy is a Hugging Face model; give a real LLM, or this run\'s exported checkpoint folder'),
    m('nLayers', 'sandbox-only', [], 'model size: see dModel'),
    m('nHeads', 'sandbox-only', [], 'model size: see dModel'),
    m('temperature', 'mapped', [K('actor_rollout_ref.rollout.temperature', c.temperature), K('+actor_rollout_ref.rollout.training_temperature', c.temperature)], "the multi-turn rollout samples at training_temperature (absent from the yaml, hence '+'; without it 1.0, or 0.6 for a Qwen3 tokenizer)"),
    m('topK', c.topK > 0 ? 'no-equivalent' : 'mapped', [], 'the multi-turn rollout always samples with top_k -1 (off) in training' + (c.topK > 0 ? ': this run\'s top-k cannot be applied' : ', as the sandbox\'s 0')),
    m('topP', c.topP < 1 ? 'no-equivalent' : 'mapped', [], 'the multi-turn rollout always samples with top_p 1 (off) in training' + (c.topP < 1 ? ': this run\'s top-p cannot be applied' : ', as the sandbox\'s 1')),
    m('init', 'sandbox-only', [], 'the starting weights are actor_rollout_ref.model.path'),
    m('sftSteps', 'sandbox-only', [], 'the reference starts RL from an instruction-tuned LLM; no supervised phase in its RL script'),
    m('sftBatch', 'sandbox-only', [], 'see sftSteps'),
    m('sftLr', 'sandbox-only', [], 'see sftSteps'),
    m('demoSlip', 'sandbox-only', [], 'the share of uninformed moves of the demonstrator the sandbox warm start imitates; see sftSteps'),
    m('demoSlipByArea', 'sandbox-only', [], 'per-area slips of the demonstrator the sandbox warm start imitates; see sftSteps'),
    m('demoNonAnswer', 'sandbox-only', [], 'the share of unanswered questions in the demonstrations the sandbox warm start imitates; see sftSteps'),
    m('lr', 'approximate', [K('actor_rollout_ref.actor.optim.lr', c.lr)], 'the same key; an LLM wants a far smaller rate (the reference uses 3e-7)'),
    m('warmupSteps', 'mapped', [K('actor_rollout_ref.actor.optim.lr_warmup_steps', c.warmupSteps > 0 ? c.warmupSteps : -1)], '0 = none; -1 in verl defers to lr_warmup_steps_ratio (0)'),
    m('lrSchedule', c.lrSchedule === 'linear' ? 'no-equivalent' : 'mapped', c.lrSchedule === 'linear' ? [] : [K('actor_rollout_ref.actor.optim.warmup_style', c.lrSchedule), ...(c.lrSchedule === 'cosine' ? [K('actor_rollout_ref.actor.optim.min_lr_ratio', 0)] : [])], c.lrSchedule === 'linear' ? "verl's actor schedules are constant or cosine" : ''),
    m('adamBeta1', 'no-equivalent', [], 'verl uses torch AdamW betas (0.9, 0.999); not configurable in the reference'),
    m('adamBeta2', 'no-equivalent', [], 'see adamBeta1'),
    m('weightDecay', 'mapped', [K('actor_rollout_ref.actor.optim.weight_decay', c.weightDecay)]),
    m('gradClip', 'mapped', [K('actor_rollout_ref.actor.grad_clip', c.gradClip)]),
    m('ppoEpochs', 'mapped', [K('actor_rollout_ref.actor.ppo_epochs', c.ppoEpochs)]),
    m('miniBatches', 'mapped', [K('actor_rollout_ref.actor.ppo_mini_batch_size', Math.max(1, Math.floor(c.promptsPerStep / c.miniBatches)))], 'verl counts the mini-batch in prompts (x rollout.n inside)'),
    m('epsLow', 'mapped', [K('actor_rollout_ref.actor.clip_ratio_low', c.epsLow)]),
    m('epsHigh', 'mapped', [K('actor_rollout_ref.actor.clip_ratio_high', c.epsHigh)]),
    m('dualClip', 'mapped', [K('actor_rollout_ref.actor.clip_ratio_c', c.dualClip)]),
    m('entropyCoef', 'mapped', [K('actor_rollout_ref.actor.entropy_coeff', c.entropyCoef)]),
    m('lossAgg', 'mapped', [K('actor_rollout_ref.actor.loss_agg_mode', c.lossAgg)]),
    m('outcomeScaling', c.outcomeScaling === 'batch' ? 'no-equivalent' : 'mapped', c.outcomeScaling === 'batch' ? [] : [K('algorithm.norm_adv_by_std_in_grpo', c.outcomeScaling === 'group')], c.outcomeScaling === 'batch' ? 'verl scales by the group std or not at all' : ''),
    m('klCoef', 'mapped', [K('actor_rollout_ref.actor.use_kl_loss', c.klCoef > 0), K('actor_rollout_ref.actor.kl_loss_coef', c.klCoef), K('algorithm.use_kl_in_reward', false)]),
    m('klEstimator', 'mapped', [K('actor_rollout_ref.actor.kl_loss_type', c.klEstimator === 'k1' ? 'kl' : 'low_var_kl')]),
    m('keepFraction', 'mapped', c.method === 'starpo' ? [K('ragen.rollout_filter.ratio', c.keepFraction)] : [], c.method === 'starpo' ? '' : '(unused: method is not starpo)'),
    m('beta', 'mapped', onlyInfo([K(`${INTRINSIC}.intrinsic_weight`, c.beta)]), `beta0${infoNote}`),
    m('betaDecay', 'approximate', onlyInfo([K(`${INTRINSIC}.intrinsic_decay_rate`, c.betaDecay)]), `the sandbox decays per step, the reference per epoch${infoNote}`),
    m('gateTemperature', 'mapped', onlyInfo([K(`${INTRINSIC}.intrinsic_gate_temperature`, c.gateTemperature)]), infoNote.trim()),
    m('normalizeIntrinsic', 'mapped', onlyInfo([K(`${INTRINSIC}.normalize_intrinsic`, c.normalizeIntrinsic)]), infoNote.trim()),
    m('intrinsicOnly', 'mapped', onlyInfo([K(`${INTRINSIC}.use_intrinsic_only`, c.intrinsicOnly)]), infoNote.trim()),
    m('capIntrinsic', c.capIntrinsic ? 'mapped' : 'no-equivalent', [], c.capIntrinsic ? 'the reference always applies the batch-level cap (no key)' : 'the reference cannot switch the cap off'),
    m('infoGainEstimator', c.infoGainEstimator === 'sampled' ? 'mapped' : 'no-equivalent', [], c.infoGainEstimator === 'sampled' ? 'the reference computes the sampled log-ratio (no key)' : 'the exact KL estimator is a sandbox extension'),
    m('placeholder', 'mapped', onlyInfo([K(`${INTRINSIC}.observation_placeholder`, c.placeholder)]), infoNote.trim()),
    m('placeholderMode', c.placeholderMode === 'equal-length' ? 'mapped' : 'no-equivalent', [], c.placeholderMode === 'equal-length' ? 'the reference overwrites in place at equal length (no key)' : 'splicing the whole placeholder is a sandbox extension'),
    m('divergenceImpl', 'sandbox-only', [], 'how the sandbox computes the divergence (WGSL kernel or tfjs ops)'),
    m('prefixReuse', 'sandbox-only', [], "an optimisation of the sandbox's counterfactual passes; the reference runs them in full"),
  ];
  const missing = CONFIG_KEYS.filter((k) => !list.some((e) => e.sandbox === k));
  if (missing.length) throw new Error(`knobMap lacks ${missing.join(', ')}`);
  return list;
}

/** Hydra overrides (key=value) of a knob map, in a stable order, values quoted for a shell. */
export function hydraOverrides(map: KnobMapping[]): string[] {
  const seen = new Map<string, string | number | boolean>();
  for (const e of map) for (const r of e.reference) seen.set(r.key, r.value);
  return [...seen].map(([k, v]) => {
    if (typeof v === 'boolean') return `${k}=${v ? 'True' : 'False'}`;
    if (typeof v === 'number' || /^[\w.$/-]+$/.test(v)) return `${k}=${v}`;
    // Hydra quotes the value ('...'); the shell's double quotes keep it one argument.
    const hydra = `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return `"${k}=${hydra.replace(/["\\$`]/g, (ch) => `\\${ch}`)}"`;
  });
}

// ---------------------------------------------------------------- batch sizes and the launch command

export interface VerlBatchSizes {
  gpus: number;
  /** data.train_batch_size: prompts per step. */
  trainBatch: number;
  /** actor_rollout_ref.rollout.n. */
  n: number;
  /** actor_rollout_ref.actor.ppo_mini_batch_size, in prompts. */
  miniBatch: number;
  /** The mini-batch per GPU after the workers' normalisation: miniBatch x n / gpus trajectories. */
  miniPerGpu: number;
  /** ppo_micro_batch_size_per_gpu (and the log-prob micro-batches): the largest divisor of miniPerGpu up to 4. */
  microPerGpu: number;
}

/** The reference's own micro-batch (examples/sglang_multiturn/train.sh), the most this export asks for. */
export const MAX_MICRO_PER_GPU = 4;

/**
 * Batch sizes the reference accepts on `gpus` GPUs of one node (FSDP, no sequence parallelism):
 * ray_trainer._validate_config asserts train_batch_size x n divisible by the GPU count and
 * train_batch_size >= ppo_mini_batch_size; fsdp_workers normalises ppo_mini_batch_size to
 * ppo_mini_batch_size x n / GPUs (integer division) and asserts the micro-batch per GPU divides
 * it. Checked here when the command is written, one clear line per broken rule.
 */
export function verlBatchSizes(c: Config, gpus: number): VerlBatchSizes {
  if (!Number.isInteger(gpus) || gpus < 1) throw new ConfigError([`--gpus ${gpus}: expected a positive integer`]);
  const P = c.promptsPerStep;
  const n = c.groupSize;
  const mini = Math.max(1, Math.floor(P / c.miniBatches));
  const errors: string[] = [];
  if ((P * n) % gpus !== 0) errors.push(`promptsPerStep x groupSize = ${P} x ${n} = ${P * n} trajectories per step cannot be split over ${gpus} GPUs (the reference needs data.train_batch_size x rollout.n divisible by the GPU count): change promptsPerStep, groupSize or --gpus`);
  else if ((mini * n) % gpus !== 0) errors.push(`a mini-batch of ${mini} prompts x ${n} = ${mini * n} trajectories cannot be split over ${gpus} GPUs (ppo_mini_batch_size x rollout.n / GPUs, ppo_mini_batch_size = promptsPerStep / miniBatches = ${mini}): change miniBatches or --gpus`);
  if (errors.length) throw new ConfigError(errors);
  const miniPerGpu = (mini * n) / gpus;
  let micro = Math.min(MAX_MICRO_PER_GPU, miniPerGpu);
  while (miniPerGpu % micro !== 0) micro--;
  return { gpus, trainBatch: P, n, miniBatch: mini, miniPerGpu, microPerGpu: micro };
}

/** The key of a Hydra override as written in the command: `"k='v'"` -> k, `+k=v` -> +k. */
export const overrideKey = (o: string): string => o.replace(/^"/, '').slice(0, o.replace(/^"/, '').indexOf('='));

/** Every override of the launch command, in order: the files and model, the knob map's keys, the batch and cluster keys. */
export function launchOverrides(c: Config, map: KnobMapping[], gpus: number): string[] {
  // Without an estimator key the reference's grpo_multiturn.yaml would train info_grpo: refuse instead.
  const method = map.find((e) => e.sandbox === 'method');
  if (method?.status === 'no-equivalent') throw new ConfigError([`method ${c.method}: ${method.note}; export another method`]);
  const b = verlBatchSizes(c, gpus);
  const fromMap = hydraOverrides(map).filter((o) => !['data.train_files', 'data.val_files', 'actor_rollout_ref.model.path'].includes(overrideKey(o)));
  return [
    'data.train_files=$DATA_DIR/train.parquet',
    'data.val_files=$DATA_DIR/test.parquet',
    'data.return_raw_chat=True',
    'actor_rollout_ref.model.path=$MODEL_PATH',
    ...fromMap,
    `actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=${b.microPerGpu}`,
    `actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=${b.microPerGpu}`,
    `actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=${b.microPerGpu}`,
    'actor_rollout_ref.rollout.name=sglang',
    'actor_rollout_ref.rollout.multi_turn.tool_config_path="$PROJECT_DIR/examples/sglang_multiturn/config/tool_config/interact_tool_config.yaml"',
    `trainer.n_gpus_per_node=${gpus}`,
    'trainer.nnodes=1',
  ];
}

/** The gym package's folder in the export. */
export const GYM_DIR = 'infopo_sandbox_gym';

export function verlReadme(c: Config, map: KnobMapping[], counts: { train: number; test: number }, command: string, gpus: number, gymFiles: string[], fixtureEpisodes: number): string {
  const b = verlBatchSizes(c, gpus);
  const byStatus = (s: MapStatus) => map.filter((e) => e.status === s).map((e) => `\`${e.sandbox}\``).join(', ') || 'none';
  const envs = c.task.split(',').map(envNameOf);
  return [
    '# This sandbox experiment, for the reference trainer',
    '',
    `Made by \`${command}\` (${VERL_EXPORT_FORMAT}). Non-default sandbox config: \`${JSON.stringify(diffFromDefaults(c))}\`.`,
    `Checked against the reference trainer kfq20/InfoPO at commit ${REFERENCE_COMMIT.slice(0, 7)} (its keys, its interact tool, its batch rules).`,
    '',
    '## Files',
    '',
    `- \`train.parquet\`: ${counts.train} rows, exactly the task instances the sandbox run meets, in its order (seed ${c.seed}).`,
    `- \`test.parquet\`: ${counts.test} rows, the test instances its evaluation meets (${c.evalEpisodes} per task, evalSeed ${c.evalSeed}), each with that evaluation episode's user randomness.`,
    '- `config-map.json`: every sandbox knob with its value, the reference key(s) it sets and how faithfully; the launch overrides and batch sizes.',
    `- \`${GYM_DIR}/\`: a pip-installable Python package, one gym per task family (${envs.join(', ')}), standard library only:`,
    ...gymFiles.map((f) => `  - \`${GYM_DIR}/${f}\``),
    '',
    'Rows follow the reference\'s preprocessing (`examples/data_preprocess/*_multiturn_w_tool.py`): `data_source` (`interact_infopo_sandbox_<family>`, so the',
    'reward manager takes the gym\'s reward), `prompt` (system + user chat; the system prompt names the tool\'s `choice` values), `ability`,',
    '`reward_model` (`type` `env_reward`, `ground_truth` = the hidden information as JSON), `extra_info` (`split`, `index`, `need_tools_kwargs`,',
    '`tools_kwargs.interact_with_env.create_kwargs`: `env_name`, `id`, the instance and the simulated user\'s settings, `turn_budget`, `user_rng_state`).',
    '',
    '## Steps (reference repository root, GPU cluster)',
    '',
    '```bash',
    'export DATA_DIR=/path/to/this/folder',
    'export PROJECT_DIR=$(pwd)                      # the reference repository',
    'export MODEL_PATH=/path/to/an/instruct/llm     # with a chat template and tool-call tokens (see below)',
    '',
    `# 1. Install the gyms into the reference's Python environment.`,
    `pip install "$DATA_DIR/${GYM_DIR}"`,
    `# 2. Check them: replays ${fixtureEpisodes} episodes the sandbox played (every family, persona and scripted baseline); all must pass.`,
    `python3 -m unittest discover -s "$DATA_DIR/${GYM_DIR}/tests" -t "$DATA_DIR/${GYM_DIR}"`,
    `# 3. Register them: the interact tool builds environments only in verl/tools/env_manager.py.`,
    `patch -p1 < "$DATA_DIR/${GYM_DIR}/env_manager.patch"`,
    `# 4. Launch (${gpus} GPU${gpus > 1 ? 's' : ''}: ${b.trainBatch} prompts x ${b.n} rollouts per step, mini-batch ${b.miniBatch} prompts = ${b.miniPerGpu} trajectories per GPU, micro-batch ${b.microPerGpu}).`,
    'python3 -m verl.trainer.main_ppo \\',
    '    --config-path="$PROJECT_DIR/examples/sglang_multiturn/config" \\',
    "    --config-name='grpo_multiturn' \\",
    ...launchOverrides(c, map, gpus).map((o, i, all) => `    ${o}${i < all.length - 1 ? ' \\' : ''}`),
    '```',
    '',
    `Other GPU counts: export again with \`--gpus N\`; the export refuses counts the batch sizes cannot be split over.`,
    '',
    '## How the gyms play the rows',
    '',
    '- The interact tool sends `[action] CONTENT`, `[answer] CONTENT` or `[search] CONTENT`; the gym drops the tag and, for `answer`/`search`, puts',
    '  the family\'s verb back when the content lacks it (`[answer] palm` = `book palm`). Replies are the sandbox\'s simulated user, word for word.',
    '- Every turn but the last returns reward 0; the last returns the sandbox\'s score R. The reference sums step rewards with the last replaced by',
    '  the largest, so it trains on R, except that a negative R (intent: useless questions, no answer) becomes 0.',
    '- The gym ends the episode at the final move or after `turn_budget` turns (the family\'s budget in this run); the reference also ends it at a',
    `  reply without a tool call (reward 0) and after multi_turn.max_turns = ${Math.max(...c.task.split(',').map((t) => c.maxTurns || getTask(t).maxTurns))} generations. The sandbox's context and action-length limits are not modelled.`,
    '- Test rows carry the user stream of the sandbox\'s evaluation episode: the same actions get the same replies as `npm run evaluate`. Train rows',
    '  carry a stream of their own, forked by the rollout\'s request id, so the n rollouts of a prompt meet independent users (the sandbox forks',
    '  one stream per episode too, in its own order).',
    '',
    '## The model',
    '',
    'The reference renders every row with the tokenizer\'s chat template (with the tool schema) and parses tool calls with an SGLang parser it',
    'picks from the tokenizer\'s vocabulary: MODEL_PATH is normally an instruction-tuned LLM with both (the reference\'s runs use one). A sandbox',
    'checkpoint folder (npm run experiment -- --out) carries a chat template that renders these conversations into its own token layout, but',
    'it cannot train here: its vocabulary has no tool-call tokens, so SGLang finds no tool-call parser for it (the rollout refuses to start);',
    `its context is maxContext = ${c.maxContext} tokens (n_positions), below data.max_prompt_length + data.max_response_length, which the rollout`,
    'asserts; its words do not cover the system prompt (the template drops it); and the actor loads every model with flash_attention_2,',
    'which this tiny GPT-2 has never been run under.',
    '',
    '## How faithful the mapping is',
    '',
    `- mapped: ${byStatus('mapped')}`,
    `- approximate (same intent, different unit or scale): ${byStatus('approximate')}`,
    `- carried in the rows: ${byStatus('data')}`,
    `- sandbox-only: ${byStatus('sandbox-only')}`,
    `- no equivalent in the reference: ${byStatus('no-equivalent')}`,
    '',
    'Each entry of `config-map.json` says why.',
    '',
  ].join('\n');
}

export interface VerlExportOptions {
  trainRows?: number;
  testPerTask?: number;
  /** GPUs of the one node the command is written for (default 1). */
  gpus?: number;
  /** The gym package's files (paths under infopo_sandbox_gym/): gymPackageFiles. Without it, only rows, map and README. */
  gym?: Record<string, Uint8Array>;
  /** Episodes the package's fixtures replay (for the README). */
  fixtureEpisodes?: number;
}

/** Everything the export writes, as bytes. */
export function verlExportFiles(config: Config, command: string, opts: VerlExportOptions = {}): Record<string, Uint8Array> {
  const gpus = opts.gpus ?? 1;
  const { train, test } = verlRows(config, opts);
  const map = knobMap(config);
  const enc = (s: string) => new TextEncoder().encode(s);
  const gym = opts.gym ?? {};
  const overrides = launchOverrides(config, map, gpus);
  return {
    'train.parquet': verlParquet(train),
    'test.parquet': verlParquet(test),
    'config-map.json': enc(JSON.stringify({ format: VERL_EXPORT_FORMAT, made_by: command, reference_commit: REFERENCE_COMMIT, config, gpus, batch: verlBatchSizes(config, gpus), overrides, knobs: map }, null, 2) + '\n'),
    'README.md': enc(verlReadme(config, map, { train: train.length, test: test.length }, command, gpus, Object.keys(gym).sort(), opts.fixtureEpisodes ?? 0)),
    ...Object.fromEntries(Object.entries(gym).map(([name, bytes]) => [`${GYM_DIR}/${name}`, bytes])),
  };
}

/**
 * The gym package: its Python sources (verl-gym/ of the repository, passed in by the caller, who
 * can read files), tables.json (gymTables) and tests/fixtures.json (gymFixtures on this config's
 * test rows). Returns the files and how many episodes the fixtures hold.
 */
export async function gymPackageFiles(config: Config, tokenizer: WordTokenizer, sources: Record<string, string>, opts: { episodes?: number; madeBy?: string } = {}): Promise<{ files: Record<string, Uint8Array>; episodes: number }> {
  const enc = (s: string) => new TextEncoder().encode(s);
  const testRows = (persona: string, episodes: number) =>
    verlRows({ ...config, evalPersona: persona as Config['evalPersona'] }, { trainRows: 0, testPerTask: episodes }).test.map((r) => ({ family: r.reward_model.family, create_kwargs: r.extra_info.tools_kwargs.interact_with_env.create_kwargs }));
  const fixtures = await gymFixtures(config, tokenizer, testRows, { episodes: opts.episodes, madeBy: opts.madeBy });
  const files: Record<string, Uint8Array> = Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, enc(v)]));
  files[`${GYM_DIR}/tables.json`] = enc(JSON.stringify(gymTables(), null, 1) + '\n');
  files['tests/fixtures.json'] = enc(JSON.stringify(fixtures) + '\n');
  return { files, episodes: fixtures.sets.reduce((n, s) => n + s.episodes.length, 0) };
}
