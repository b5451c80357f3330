import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, configFromPresets, METHODS } from '../config';
import { runExperiment } from '../experiment';
import { evaluate } from '../evaluation';
import type { WordTokenizer } from '../text/tokenizer';
import { envNameOf, hydraOverrides, knobMap, verlExportFiles, verlParquet, verlRows, type VerlRow } from './verl-export';
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
      expect(md.key_value_metadata).toContainEqual({ key: 'infopo_sandbox', value: 'infopo-sandbox/verl-export@1' });
    }
    for (const r of [...train, ...test]) {
      const c = r.extra_info.tools_kwargs.interact_with_env.create_kwargs;
      expect(r.data_source).toBe(`infopo_sandbox_${c.family}`);
      expect(r.reward_model.env_name).toBe(envNameOf(c.family));
      expect(r.prompt.map((p) => p.role)).toEqual(['system', 'user']);
      expect(r.prompt[1].content).toBe(c.request);
      expect(JSON.parse(c.hidden_json)).toEqual(JSON.parse(r.reward_model.ground_truth));
      expect(c.persona).toBe(r.extra_info.split === 'train' ? 'noisy' : 'terse');
      expect(c.noise).toBe(config.noise);
    }
    expect(train.map((r) => r.extra_info.index)).toEqual(train.map((_, i) => i));
    expect(new Set(test.map((r) => r.reward_model.family))).toEqual(new Set(['20q', 'travel', 'code']));
  });

  it('exports exactly the instances a sandbox run trains and evaluates on, in order', async () => {
    const { train, test } = verlRows(config);
    const { record, trainer } = await runExperiment({ ...config, traceEvery: 1, evalEpisodes: 0 }, tokenizer, env);
    const seen = record.traces.map((t) => ({ i: (t.step - 1) * config.promptsPerStep + t.group, id: t.instance }));
    expect(seen.length).toBe(12);
    for (const { i, id } of seen) expect(train[i].reward_model.instance_id).toBe(id);
    const { rollouts } = await evaluate({ policy: trainer.policy }, { config, tokenizer, persona: 'terse' });
    expect(rollouts.map((r) => r.instanceId)).toEqual(test.map((r) => r.reward_model.instance_id));
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
    const map = JSON.parse(new TextDecoder().decode(files['config-map.json']));
    expect(map.config).toEqual(config);
    expect(map.knobs.map((k: { sandbox: string }) => k.sandbox).sort()).toEqual([...CONFIG_KEYS].sort());
    expect(() => verlParquet([])).toThrow(/no rows/);
  });
});
