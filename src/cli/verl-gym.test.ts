/**
 * The verl export's gym package, run by plain python3: its unittest replays the sandbox's episodes
 * (every family, persona and scripted baseline) through the Python gyms and must pass, and must
 * fail when one reply or one reward of the fixtures differs. CI installs python3 (.ci/run).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromPresets, GYM_DIR, gymPackageFiles, verlExportFiles, type GymFixtures } from '../engine';
import { nodeTokenizer } from './node-env';
import { VERL_GYM_DIR, verlGymSources } from './verl-gym-sources';

const config = configFromPresets([], { task: '20q,intent,code,travel,mastermind', evalEpisodes: 3, steps: 2, promptsPerStep: 4, groupSize: 2, noise: 0.3 });
let out: string;
let pkg: string;
let episodes: number;

function unittest(dir: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('python3', ['-m', 'unittest', ...(args.length ? args : ['discover', '-s', 'tests', '-t', '.'])], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.error) throw new Error(`python3 could not be started (${r.error.message}): install it (Debian: apt-get install -y python3)`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function write(files: Record<string, Uint8Array>, root: string): void {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
}

beforeAll(async () => {
  const tokenizer = await nodeTokenizer();
  const gym = await gymPackageFiles(config, tokenizer, verlGymSources(), { madeBy: 'verl-gym.test' });
  episodes = gym.episodes;
  out = mkdtempSync(join(tmpdir(), 'verl-gym-'));
  write(verlExportFiles(config, 'test', { gym: gym.files, fixtureEpisodes: gym.episodes, gpus: 4 }), out);
  pkg = join(out, GYM_DIR);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the exported gym package (python3, standard library)', () => {
  it('has the layout pip installs and the README names every file and step', () => {
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    for (const f of Object.keys(verlGymSources())) expect(readme).toContain(`${GYM_DIR}/${f}`);
    for (const f of ['infopo_sandbox_gym/tables.json', 'tests/fixtures.json']) expect(readme).toContain(`${GYM_DIR}/${f}`);
    expect(readme).toContain(`pip install "$DATA_DIR/${GYM_DIR}"`);
    expect(readme).toContain(`patch -p1 < "$DATA_DIR/${GYM_DIR}/env_manager.patch"`);
    expect(readme).toContain('python3 -m unittest discover');
    expect(readFileSync(join(pkg, 'pyproject.toml'), 'utf8')).toContain('name = "infopo-sandbox-gym"');
    expect(episodes).toBe(4 * 5 * 5 * 3 + 5 * 3); // 4 user families x 5 personas x 5 baselines x 3, mastermind has no persona
  });

  it('replays every fixture episode with identical replies, rewards and success', () => {
    const r = unittest(pkg);
    expect(r.output).toMatch(/Ran \d+ tests/);
    expect(r.status, r.output).toBe(0);
  }, 60_000);

  it('replays the other simulator settings too: wrong guesses that cost a turn, binary success scores, mostly implicit users, a turn cap', async () => {
    const other = configFromPresets([], { task: '20q,travel,intent', evalEpisodes: 2, wrongGuess: 'turn', reward: 'success', implicitRate: 0.9, maxTurns: 4, noise: 0.5 });
    const gym = await gymPackageFiles(other, await nodeTokenizer(), verlGymSources(), { madeBy: 'verl-gym.test (other settings)' });
    const dir = join(out, 'other');
    write(verlExportFiles(other, 'test', { gym: gym.files, fixtureEpisodes: gym.episodes }), dir);
    const f = JSON.parse(readFileSync(join(dir, GYM_DIR, 'tests/fixtures.json'), 'utf8')) as GymFixtures;
    // The settings show in the episodes: a 20q wrong guess the episode survives, a turn cap.
    expect(f.sets.some((s) => s.family === '20q' && s.episodes.some((e) => e.turns.some((t) => t.feedback === 'no , try again .')))).toBe(true);
    expect(f.sets.every((s) => s.episodes.every((e) => e.turns.length <= 4 && (e.score === 0 || e.score === 1)))).toBe(true);
    const r = unittest(join(dir, GYM_DIR));
    expect(r.status, r.output).toBe(0);
  }, 120_000);

  it('fails when one user reply differs', () => {
    const path = join(pkg, 'tests/fixtures.json');
    const original = readFileSync(path, 'utf8');
    try {
      const f = JSON.parse(original) as GymFixtures;
      const set = f.sets.find((s) => s.family === 'intent' && s.persona === 'noisy' && s.baseline === 'oracle')!;
      set.episodes[1].turns[0].feedback += ' really';
      writeFileSync(path, JSON.stringify(f));
      const r = unittest(pkg, 'tests.test_parity.Parity.test_every_fixture_episode_replays_identically');
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('intent/noisy/oracle episode 1');
      expect(r.output).toContain('really');
    } finally {
      writeFileSync(path, original);
    }
  }, 60_000);

  it('fails when one reward differs', () => {
    const path = join(pkg, 'tests/fixtures.json');
    const original = readFileSync(path, 'utf8');
    try {
      const f = JSON.parse(original) as GymFixtures;
      const set = f.sets.find((s) => s.family === 'code' && s.persona === 'verbose' && s.baseline === 'demo')!;
      set.episodes[0].score += 0.125;
      writeFileSync(path, JSON.stringify(f));
      const r = unittest(pkg, 'tests.test_parity.Parity.test_every_fixture_episode_replays_identically');
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('code/verbose/demo episode 0');
    } finally {
      writeFileSync(path, original);
    }
  }, 60_000);

  it('the registration patch adds one branch before the "Unknown environment type" error and nothing else', () => {
    const patch = readFileSync(join(VERL_GYM_DIR, 'env_manager.patch'), 'utf8').split('\n');
    expect(patch.slice(0, 3)).toEqual(['--- a/verl/tools/env_manager.py', '+++ b/verl/tools/env_manager.py', '@@ -61,6 +61,10 @@']);
    expect(patch.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    const added = patch.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1).trim());
    expect(added[0]).toBe('elif env_name.startswith("InfoPOSandbox-"):');
    expect(added).toContain('from infopo_sandbox_gym import make_env');
    expect(added).toContain('env = make_env(env_name, request_id=request_id, **kwargs)');
    // The context it needs, as verl/tools/env_manager.py of the reference has it at lines 61-66 (commit c26e93c; `patch --dry-run` applied it there without offset).
    expect(patch.filter((l) => l.startsWith(' ')).map((l) => l.trim())).toEqual([
      'return initial_observation  # Return initial observation for Tau2Gym',
      'elif env_name == "ColBenchCodeEnv":',
      'env = self._create_colbenchcodeenv_environment(**kwargs)',
      'else:',
      'raise ValueError(f"Unknown environment type: {env_name}")',
      '',
    ]);
  });
});
