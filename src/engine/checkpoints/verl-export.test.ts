import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, configFromPresets, METHODS, PRESETS, type Config } from '../config';
import { runExperiment } from '../experiment';
import { episodeStreams, evaluate } from '../evaluation';
import { getTask } from '../tasks';
import type { WordTokenizer } from '../text/tokenizer';
import { envNameOf, hydraOverrides, knobMap, launchOverrides, overrideKey, systemPrompt, verlBatchSizes, verlExportFiles, verlParquet, verlRows, type VerlRow } from './verl-export';
import { REFERENCE_APPEND_KEYS, REFERENCE_COMMIT, REFERENCE_KEYS } from './verl-reference-keys';
import { cpuWithTokenizer, testEnvironment } from '../test-support';

let tokenizer: WordTokenizer;
const env = testEnvironment();
beforeAll(async () => {
  tokenizer = await cpuWithTokenizer();
});

async function readBack(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // BigInt columns (INT64) come back as bigint: compare them as numbers.
  const rows = await parquetReadObjects({ file });
  return JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

const config = configFromPresets(['smoke'], { task: '20q,travel,code', steps: 3, promptsPerStep: 4, evalEpisodes: 3, persona: 'noisy', evalPersona: 'terse', seed: 11 });

describe('export to the reference trainer (verl)', () => {
  it('writes parquet that reads back row for row and key for key, nested as the reference preprocessing writes it', async () => {
    const files = verlExportFiles(config, 'npm run export-verl -- --out x');
    const { train, test } = verlRows(config);
    expect(train.length).toBe(12);
    expect(test.length).toBe(9);
    for (const [name, rows] of [['train.parquet', train], ['test.parquet', test]] as [string, VerlRow[]][]) {
      const back = await readBack(files[name]);
      expect(back.length).toBe(rows.length);
      back.forEach((r, i) => {
        expect(Object.keys(r).sort()).toEqual(['ability', 'data_source', 'extra_info', 'prompt', 'reward_model']);
        expect(r, `${name} row ${i}`).toEqual(JSON.parse(JSON.stringify(rows[i])));
      });
      // prompt is a list of structs and extra_info a struct (not JSON text): what verl's RLHFDataset expects.
      const md = parquetMetadata(files[name].buffer.slice(files[name].byteOffset) as ArrayBuffer);
      expect(md.schema.find((s) => s.name === 'prompt')).toMatchObject({ converted_type: 'LIST' });
      expect(md.schema.find((s) => s.name === 'extra_info')).toMatchObject({ num_children: 4 });
      expect(md.key_value_metadata).toContainEqual({ key: 'infopo_sandbox', value: 'infopo-sandbox/verl-export@2' });
    }
    for (const r of [...train, ...test]) {
      const c = r.extra_info.tools_kwargs.interact_with_env.create_kwargs;
      // The reference's reward manager takes the gym's reward for data sources starting with "interact" (or reward_model.type env_reward).
      expect(r.data_source).toBe(`interact_infopo_sandbox_${c.family}`);
      expect(r.reward_model.type).toBe('env_reward');
      expect(r.reward_model.env_name).toBe(envNameOf(c.family));
      expect(r.reward_model.id).toBe(c.id);
      // InteractTool.create(instance_id, env_name, max_turns, **kwargs) and create_environment(request_id, env_name, **kwargs) take these by name.
      for (const key of ['instance_id', 'request_id', 'max_turns', 'model_name']) expect(Object.keys(c)).not.toContain(key);
      expect(c.turn_budget).toBe(config.maxTurns || getTask(c.family).maxTurns);
      expect(c.reward).toBe(config.reward);
      expect(c.fork_user_by_request).toBe(r.extra_info.split === 'train');
      expect(c.user_rng_state.split(' ').map(Number).every(Number.isInteger)).toBe(true);
      expect(r.prompt.map((p) => p.role)).toEqual(['system', 'user']);
      expect(r.prompt[1].content).toBe(c.request);
      expect(JSON.parse(c.hidden_json)).toEqual(JSON.parse(r.reward_model.ground_truth));
      expect(c.persona).toBe(r.extra_info.split === 'train' ? 'noisy' : 'terse');
      expect(c.noise).toBe(config.noise);
    }
    expect(train.map((r) => r.extra_info.index)).toEqual(train.map((_, i) => i));
    // A test row carries the user stream of the evaluation episode it is (so the same actions get the same replies as npm run evaluate).
    for (const family of ['20q', 'travel', 'code']) {
      const rows = test.filter((r) => r.reward_model.family === family);
      rows.forEach((r, i) => expect(r.extra_info.tools_kwargs.interact_with_env.create_kwargs.user_rng_state).toBe(episodeStreams(config.evalSeed, family, 'test', i).user.getState().join(' ')));
    }
    expect(new Set(train.map((r) => r.extra_info.tools_kwargs.interact_with_env.create_kwargs.user_rng_state)).size).toBe(train.length);
    expect(new Set(test.map((r) => r.reward_model.family))).toEqual(new Set(['20q', 'travel', 'code']));
  });

  it('exports exactly the instances a sandbox run trains and evaluates on, in order', async () => {
    const { train, test } = verlRows(config);
    const { record, trainer } = await runExperiment({ ...config, traceEvery: 1, evalEpisodes: 0 }, tokenizer, env);
    const seen = record.traces.map((t) => ({ i: (t.step - 1) * config.promptsPerStep + t.group, id: t.instance }));
    expect(seen.length).toBe(12);
    for (const { i, id } of seen) expect(train[i].reward_model.id).toBe(id);
    const { rollouts } = await evaluate({ policy: trainer.policy }, { config, tokenizer, persona: 'terse' });
    expect(rollouts.map((r) => r.instanceId)).toEqual(test.map((r) => r.reward_model.id));
    trainer.dispose();
  });

  it('maps every knob, for every method, to reference keys or says why not', () => {
    for (const method of METHODS) {
      const map = knobMap({ ...config, method });
      expect(map.map((e) => e.sandbox).sort()).toEqual([...CONFIG_KEYS].sort());
      for (const e of map) if (e.reference.length === 0 && e.status !== 'data') expect(e.note, `${method}/${e.sandbox}`).not.toBe('');
    }
    const info = hydraOverrides(knobMap({ ...config, beta: 0.3, gateTemperature: 0.05, groupSize: 5, promptsPerStep: 64, miniBatches: 4 }));
    expect(info).toContain('algorithm.adv_estimator=info_grpo');
    expect(info).toContain('algorithm.intrinsic_reward.intrinsic_weight=0.3');
    expect(info).toContain('algorithm.intrinsic_reward.intrinsic_gate_temperature=0.05');
    expect(info).toContain('actor_rollout_ref.rollout.n=5');
    expect(info).toContain('data.train_batch_size=64');
    expect(info).toContain('actor_rollout_ref.actor.ppo_mini_batch_size=16');
    expect(info).toContain(`"algorithm.intrinsic_reward.observation_placeholder='No information found.'"`);
    const grpo = hydraOverrides(knobMap({ ...config, method: 'grpo' }));
    expect(grpo).toContain('algorithm.use_intrinsic_reward=False');
    expect(grpo.some((o) => o.includes('intrinsic_weight'))).toBe(false);
    const starpo = hydraOverrides(knobMap({ ...config, method: 'starpo', keepFraction: 0.25 }));
    expect(starpo).toContain('ragen.rollout_filter.ratio=0.25');
    const sampling = hydraOverrides(knobMap({ ...config, temperature: 0.7, evalTemperature: 1, evalEvery: 5, evalEpisodes: 8, steps: 20 }));
    expect(sampling).toContain('+actor_rollout_ref.rollout.training_temperature=0.7');
    expect(sampling).toContain('actor_rollout_ref.rollout.val_kwargs.do_sample=True');
    expect(sampling).toContain('actor_rollout_ref.rollout.val_kwargs.temperature=1');
    expect(sampling).toContain('trainer.val_before_train=True');
    expect(sampling).toContain('trainer.test_freq=5');
    const greedy = hydraOverrides(knobMap({ ...config, evalTemperature: 0, evalEvery: 0, steps: 20 }));
    expect(greedy).toContain('actor_rollout_ref.rollout.val_kwargs.do_sample=False');
    expect(greedy).toContain('trainer.test_freq=20');
    expect(hydraOverrides(knobMap({ ...config, evalEpisodes: 0 }))).toEqual(expect.arrayContaining(['trainer.val_before_train=False', 'trainer.test_freq=-1']));
    expect(knobMap({ ...config, topK: 5 }).find((e) => e.sandbox === 'topK')!.status).toBe('no-equivalent');
    const weird = hydraOverrides(knobMap({ ...config, placeholder: `it's "none" $x` }));
    expect(weird.find((o) => o.includes('observation_placeholder'))).toBe(`"algorithm.intrinsic_reward.observation_placeholder='it\\\\'s \\"none\\" \\$x'"`);
  });

  it('writes a README with the launch command and a complete config map', () => {
    const files = verlExportFiles(config, 'npm run export-verl -- --out x');
    const readme = new TextDecoder().decode(files['README.md']);
    expect(readme).toContain('python3 -m verl.trainer.main_ppo');
    expect(readme).toContain('data.train_files=$DATA_DIR/train.parquet');
    expect(readme).toContain('algorithm.adv_estimator=info_grpo');
    expect(readme).toContain('InfoPOSandbox-20q');
    expect(readme).toContain(REFERENCE_COMMIT.slice(0, 7));
    expect(readme).toContain('trainer.n_gpus_per_node=1');
    expect(new TextDecoder().decode(verlExportFiles(config, 'x', { gpus: 2 })['README.md'])).toContain('trainer.n_gpus_per_node=2');
    const map = JSON.parse(new TextDecoder().decode(files['config-map.json']));
    expect(map.config).toEqual(config);
    expect(map.knobs.map((k: { sandbox: string }) => k.sandbox).sort()).toEqual([...CONFIG_KEYS].sort());
    expect(() => verlParquet([])).toThrow(/no rows/);
  });

  it('names the interact tool\'s choice values in every system prompt', () => {
    for (const id of ['intent', '20q', 'code', 'travel', 'mastermind']) {
      const prompt = systemPrompt(getTask(id), 6);
      expect(prompt).toContain('`interact_with_env`');
      expect(prompt).toContain('`action`');
      if (id !== 'mastermind') expect(prompt).toContain('`answer`');
      expect(prompt.includes('`search`')).toBe(id === 'travel');
      for (const g of getTask(id).grammar) expect(prompt).toContain(g);
    }
  });

  // What fsdp_workers.ActorRolloutRefWorker and ray_trainer._validate_config assert (reference commit REFERENCE_COMMIT).
  const referenceAccepts = (overrides: string[]): string[] => {
    const v = (k: string) => Number(overrides.find((o) => overrideKey(o) === k)!.split('=')[1]);
    const gpus = v('trainer.n_gpus_per_node') * v('trainer.nnodes');
    const [train, n, mini, micro] = ['data.train_batch_size', 'actor_rollout_ref.rollout.n', 'actor_rollout_ref.actor.ppo_mini_batch_size', 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu'].map(v);
    const normalised = Math.floor((mini * n) / gpus);
    const broken: string[] = [];
    if ((train * n) % gpus !== 0) broken.push('real_train_batch_size % n_gpus');
    if (train < mini) broken.push('train_batch_size >= ppo_mini_batch_size');
    if (normalised <= 0) broken.push('normalised ppo_mini_batch_size > 0');
    if (normalised % micro !== 0) broken.push('normalised ppo_mini_batch_size % ppo_micro_batch_size_per_gpu');
    for (const k of ['actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu']) if (!(v(k) > 0)) broken.push(k);
    return broken;
  };

  it('writes batch sizes the reference accepts on 1, 4 and 8 GPUs, and refuses a GPU count the batch cannot be split over', () => {
    // The case: n = 5 on 4 GPUs gives 8 x 5 / 4 = 10 per GPU, which a micro-batch of 4 does not divide.
    const paper: Config = { ...config, promptsPerStep: 8, groupSize: 5, miniBatches: 1 };
    const cases: Config[] = [paper, { ...paper, promptsPerStep: 16, miniBatches: 2 }, { ...config, promptsPerStep: 64, groupSize: 5, miniBatches: 4 }, configFromPresets(['quick'])];
    for (const c of cases) {
      for (const gpus of [1, 4, 8]) {
        const o = launchOverrides(c, knobMap(c), gpus);
        expect(referenceAccepts(o), `${c.promptsPerStep}x${c.groupSize}/${c.miniBatches} on ${gpus}`).toEqual([]);
        const b = verlBatchSizes(c, gpus);
        expect(b.microPerGpu).toBeLessThanOrEqual(4);
        expect(o).toContain(`trainer.n_gpus_per_node=${gpus}`);
      }
    }
    expect(verlBatchSizes(paper, 4)).toMatchObject({ miniPerGpu: 10, microPerGpu: 2 });
    expect(verlBatchSizes(paper, 8)).toMatchObject({ miniPerGpu: 5, microPerGpu: 1 });
    expect(() => verlBatchSizes({ ...config, promptsPerStep: 2, groupSize: 3 }, 4)).toThrow(ConfigError);
    expect(() => verlBatchSizes({ ...config, promptsPerStep: 2, groupSize: 3 }, 4)).toThrow(/6 trajectories per step cannot be split over 4 GPUs/);
    expect(() => verlBatchSizes({ ...paper, miniBatches: 8 }, 8)).toThrow(/mini-batch of 1 prompts x 5 = 5 trajectories cannot be split over 8 GPUs/);
    // 4 prompts x 5 = 20 over 8 GPUs: the reference would floor it to 2 per GPU and leave a ragged last mini-batch; the export refuses instead.
    expect(() => verlBatchSizes({ ...paper, miniBatches: 2 }, 8)).toThrow(/20 trajectories cannot be split over 8 GPUs/);
    expect(() => verlBatchSizes(paper, 0)).toThrow(/positive integer/);
    // A method without an estimator there would silently train grpo_multiturn.yaml's default (info_grpo).
    expect(() => launchOverrides({ ...paper, method: 'reinforce' }, knobMap({ ...paper, method: 'reinforce' }), 4)).toThrow(/method reinforce: .*export another method/);
    expect(referenceAccepts([...launchOverrides(paper, knobMap(paper), 4).filter((x) => !x.includes('micro_batch_size_per_gpu=')), 'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=4', 'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=4', 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=4'])).toEqual(['normalised ppo_mini_batch_size % ppo_micro_batch_size_per_gpu']);
  });

  it(`emits only keys of the reference's config (read at ${REFERENCE_COMMIT.slice(0, 7)}), '+' exactly on those its yaml lacks`, () => {
    const known = new Set(REFERENCE_KEYS);
    const configs: Config[] = [config, ...METHODS.map((method) => ({ ...config, method, promptsPerStep: 8, groupSize: 4 })), ...Object.keys(PRESETS).map((p) => configFromPresets([p]))];
    const seen = new Set<string>();
    for (const c of configs) {
      for (const gpus of [1, 4, 8]) {
        let overrides: string[];
        try {
          overrides = launchOverrides(c, knobMap(c), gpus);
        } catch (e) {
          expect(e, 'only the batch check may refuse').toBeInstanceOf(ConfigError);
          continue;
        }
        for (const key of overrides.map(overrideKey)) {
          seen.add(key);
          if (key.startsWith('+')) {
            expect(REFERENCE_APPEND_KEYS, key).toContain(key.slice(1));
            expect(known.has(key.slice(1)), `${key}: already in the yaml, Hydra refuses '+'`).toBe(false);
          } else expect(known.has(key), `${key} is not a key of the reference's config`).toBe(true);
        }
      }
    }
    for (const k of ['+actor_rollout_ref.rollout.training_temperature', 'actor_rollout_ref.rollout.val_kwargs.do_sample', 'trainer.val_before_train', 'actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu']) expect(seen).toContain(k);
  });
});
