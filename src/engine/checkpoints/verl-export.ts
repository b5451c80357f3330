/**
 * Export a sandbox experiment to the reference trainer (github.com/kfq20/InfoPO, a fork of
 * verl/UserRL) for scale-out on a GPU cluster: the task instances as parquet in the row shape its
 * data preprocessing writes (data_source, chat prompt, ability, reward_model, extra_info with the
 * interact tool's create_kwargs), a map from every sandbox knob to the reference's config key, and
 * a README with the launch command. Browser-safe: parquet bytes come from hyparquet-writer.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { CONFIG_KEYS, diffFromDefaults, episodeOptions, type Config, type ConfigKey } from '../config';
import { Rng, createStreams } from '../random';
import { getTask, type TaskFamily, type TaskInstance } from '../tasks';
import { episodeStreams } from '../evaluation';

export const VERL_EXPORT_FORMAT = 'infopo-sandbox/verl-export@1';

/** One parquet row, in the reference's shape (examples/data_preprocess/*_multiturn_w_tool.py). */
export interface VerlRow {
  data_source: string;
  prompt: { role: 'system' | 'user'; content: string }[];
  ability: string;
  reward_model: { style: string; ground_truth: string; env_name: string; family: string; instance_id: string };
  extra_info: {
    split: 'train' | 'test';
    index: number;
    need_tools_kwargs: boolean;
    tools_kwargs: { interact_with_env: { create_kwargs: CreateKwargs } };
  };
}

/** What a gym adapter needs to rebuild the sandbox's episode: the instance and the simulator's settings. */
export interface CreateKwargs {
  env_name: string;
  family: string;
  instance_id: string;
  request: string;
  /** The hidden information, as JSON (its shape differs between task families). */
  hidden_json: string;
  persona: string;
  noise: number;
  max_turns: number;
  wrong_guess: string;
  implicit_rate: number;
  kinds: number;
}

export const envNameOf = (family: string) => `InfoPOSandbox-${family}`;

function systemPrompt(family: TaskFamily, maxTurns: number): string {
  return [
    'You are an agent that actively interacts with a user or an environment. The following describes the environment and your action space.',
    '',
    `- Environment Description: ${family.title}. ${family.description}`,
    '',
    '- Action Space: call the tool `interact_with_env` with one action in its `content` field, written in this grammar:',
    ...family.grammar.map((g) => `  * ${g}`),
    '',
    `- You have at most ${maxTurns} turns. Ask before you act when the request leaves something open.`,
  ].join('\n');
}

function row(family: TaskFamily, instance: TaskInstance, index: number, config: Config, persona: string): VerlRow {
  const maxTurns = config.maxTurns || family.maxTurns;
  const env_name = envNameOf(family.id);
  const hidden_json = JSON.stringify(instance.hidden);
  return {
    data_source: `infopo_sandbox_${family.id}`,
    prompt: [
      { role: 'system', content: systemPrompt(family, maxTurns) },
      { role: 'user', content: instance.request },
    ],
    ability: 'interaction',
    reward_model: { style: 'rule', ground_truth: hidden_json, env_name, family: family.id, instance_id: instance.id },
    extra_info: {
      split: instance.split,
      index,
      need_tools_kwargs: true,
      tools_kwargs: {
        interact_with_env: {
          create_kwargs: {
            env_name,
            family: family.id,
            instance_id: instance.id,
            request: instance.request,
            hidden_json,
            persona,
            noise: config.noise,
            max_turns: maxTurns,
            wrong_guess: config.wrongGuess,
            implicit_rate: config.implicitRate,
            kinds: config.kinds,
          },
        },
      },
    },
  };
}

/**
 * The train rows are exactly the instances a sandbox run of `config` meets, in order (the trainer's
 * `tasks` stream: per step, promptsPerStep draws, the family picked first when several are mixed);
 * the test rows are exactly those its evaluation meets (evalEpisodes per family from evalSeed).
 */
export function verlRows(config: Config, opts: { trainRows?: number; testPerTask?: number } = {}): { train: VerlRow[]; test: VerlRow[] } {
  const families = config.task.split(',').map(getTask);
  const options = episodeOptions(config);
  const nTrain = opts.trainRows ?? config.steps * config.promptsPerStep;
  const rng: Rng = createStreams(config.seed).tasks;
  const train: VerlRow[] = [];
  for (let i = 0; i < nTrain; i++) {
    const family = families.length === 1 ? families[0] : rng.pick(families);
    train.push(row(family, family.sample(rng, 'train', options), i, config, config.persona));
  }
  const nTest = opts.testPerTask ?? config.evalEpisodes;
  const test: VerlRow[] = [];
  for (const family of families) {
    for (let i = 0; i < nTest; i++) {
      const s = episodeStreams(config.evalSeed, family.id, 'test', i);
      test.push(row(family, family.sample(s.instance, 'test', options), test.length, config, config.evalPersona || config.persona));
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
  group('reward_model', 5),
  str('style'),
  str('ground_truth'),
  str('env_name'),
  str('family'),
  str('instance_id'),
  group('extra_info', 4),
  str('split'),
  { name: 'index', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'need_tools_kwargs', type: 'BOOLEAN' as const, repetition_type: 'OPTIONAL' as const },
  group('tools_kwargs', 1),
  group('interact_with_env', 1),
  group('create_kwargs', 11),
  str('env_name'),
  str('family'),
  str('instance_id'),
  str('request'),
  str('hidden_json'),
  str('persona'),
  { name: 'noise', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'max_turns', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
  str('wrong_guess'),
  { name: 'implicit_rate', type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const },
  { name: 'kinds', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const },
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
        tools_kwargs: { interact_with_env: { create_kwargs: { ...c, max_turns: BigInt(c.max_turns), kinds: BigInt(c.kinds) } } },
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
    m('persona', 'data', [], 'in each train row: extra_info.tools_kwargs.interact_with_env.create_kwargs.persona (the reference simulates the user with an LLM, actor_rollout_ref.rollout.multi_turn.model_name)'),
    m('evalPersona', 'data', [], 'in each test row: create_kwargs.persona'),
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
    m('evalEvery', 'mapped', [K('trainer.test_freq', c.evalEvery > 0 ? c.evalEvery : -1)], '0 = only at the end in the sandbox; -1 = off in verl (validation runs at the end when val files exist)'),
    m('evalEpisodes', 'data', [], 'test.parquet holds evalEpisodes instances per task'),
    m('evalSeed', 'data', [], 'test.parquet holds the instances this seed gives'),
    m('evalTemperature', 'approximate', [K('actor_rollout_ref.rollout.val_kwargs.temperature', c.evalTemperature)], '0 = greedy (do_sample false in val_kwargs)'),
    m('dModel', 'sandbox-only', [K('actor_rollout_ref.model.path', '$MODEL_PATH')], 'the policy is a Hugging Face model; give a real LLM, or this run\'s exported checkpoint folder'),
    m('nLayers', 'sandbox-only', [], 'model size: see dModel'),
    m('nHeads', 'sandbox-only', [], 'model size: see dModel'),
    m('temperature', 'mapped', [K('actor_rollout_ref.rollout.temperature', c.temperature)]),
    m('topK', 'mapped', [K('actor_rollout_ref.rollout.top_k', c.topK > 0 ? c.topK : -1)], '0 (off) in the sandbox is -1 for vLLM/SGLang'),
    m('topP', 'mapped', [K('actor_rollout_ref.rollout.top_p', c.topP)]),
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

export function verlReadme(c: Config, map: KnobMapping[], counts: { train: number; test: number }, command: string): string {
  const overrides = hydraOverrides(map).filter((o) => !o.startsWith('data.train_files') && !o.startsWith('data.val_files') && !o.startsWith('actor_rollout_ref.model.path'));
  const byStatus = (s: MapStatus) => map.filter((e) => e.status === s).map((e) => `\`${e.sandbox}\``).join(', ') || 'none';
  return [
    '# This sandbox experiment, for the reference trainer',
    '',
    `Made by \`${command}\` (${VERL_EXPORT_FORMAT}). Non-default sandbox config: \`${JSON.stringify(diffFromDefaults(c))}\`.`,
    '',
    '## Files',
    '',
    `- \`train.parquet\`: ${counts.train} rows, exactly the task instances the sandbox run meets, in its order (seed ${c.seed}).`,
    `- \`test.parquet\`: ${counts.test} rows, the test instances its evaluation meets (${c.evalEpisodes} per task, evalSeed ${c.evalSeed}).`,
    '- `config-map.json`: every sandbox knob with its value, the reference key(s) it sets and how faithfully.',
    '',
    'Rows follow the reference\'s preprocessing (`examples/data_preprocess/*_multiturn_w_tool.py`): `data_source`, `prompt` (system + user chat),',
    '`ability`, `reward_model` (`ground_truth` = the hidden information as JSON, `env_name`), `extra_info` (`split`, `index`,',
    '`need_tools_kwargs`, `tools_kwargs.interact_with_env.create_kwargs` with the instance and the simulated user\'s settings).',
    '',
    '## Launch (reference repository root, GPU cluster)',
    '',
    '```bash',
    'export MODEL_PATH=/path/to/an/instruct/llm   # or this run\'s exported checkpoint folder',
    'export DATA_DIR=/path/to/this/folder',
    'PROJECT_DIR=$(pwd)',
    'python3 -m verl.trainer.main_ppo \\',
    '    --config-path="$PROJECT_DIR/examples/sglang_multiturn/config" \\',
    "    --config-name='grpo_multiturn' \\",
    '    data.train_files=$DATA_DIR/train.parquet \\',
    '    data.val_files=$DATA_DIR/test.parquet \\',
    '    data.return_raw_chat=True \\',
    '    actor_rollout_ref.model.path=$MODEL_PATH \\',
    ...overrides.map((o) => `    ${o} \\`),
    '    actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4 \\',
    '    actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=4 \\',
    '    actor_rollout_ref.rollout.name=sglang \\',
    '    actor_rollout_ref.rollout.multi_turn.tool_config_path="$PROJECT_DIR/examples/sglang_multiturn/config/tool_config/interact_tool_config.yaml" \\',
    '    trainer.n_gpus_per_node=4 trainer.nnodes=1',
    '```',
    '',
    '## What the reference needs besides these files',
    '',
    `The rows name environments \`${c.task.split(',').map(envNameOf).join('`, `')}\`. The reference's interact tool creates a gym from`,
    '`create_kwargs.env_name`; its own gyms (IntentionGym, TelepathyGym, TravelGym, ColBench, ...) look instances up in their own data, so',
    'they cannot play these rows. Register a gym under each env_name that rebuilds the episode from `create_kwargs` (`request`,',
    '`hidden_json`, `persona`, `noise`, ...) and answers like the sandbox\'s simulated user (docs/tasks.md of the sandbox describes each',
    'family\'s user and scorer), or lets the LLM user simulator of the reference answer from `hidden_json`. That adapter is not part of',
    'this export.',
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

/** Everything the export writes, as bytes. */
export function verlExportFiles(config: Config, command: string, opts: { trainRows?: number; testPerTask?: number } = {}): Record<string, Uint8Array> {
  const { train, test } = verlRows(config, opts);
  const map = knobMap(config);
  const enc = (s: string) => new TextEncoder().encode(s);
  return {
    'train.parquet': verlParquet(train),
    'test.parquet': verlParquet(test),
    'config-map.json': enc(JSON.stringify({ format: VERL_EXPORT_FORMAT, made_by: command, config, overrides: hydraOverrides(map), knobs: map }, null, 2) + '\n'),
    'README.md': enc(verlReadme(config, map, { train: train.length, test: test.length }, command)),
  };
}
