/**
 * `npm run bench -- --user-lm`: what the LM user costs. User turns per second written one at a
 * time vs batched (one call for a step's worth of replies), and a whole training step of the demo
 * preset with the LM user vs the scripted user, both measured in one run on wasm so the figures
 * are ratios of the same machine's time.
 */
import { configFromPresets, getTask, lmWritesReply, loadFilesInto, median, Rng, scriptedRollout, Trainer, episodeOptions, type Exchange, type UserSimulator, type UserTurnRequest, type WordTokenizer } from '../engine';
import { nodePretrained } from './checkpoint-folder';
import { nodeUserModelLoader } from './node-env';

export interface UserLmBench {
  user_model: string;
  requests: number;
  /** User turns per second, each reply its own call (one dialogue at a time). */
  one_at_a_time_turns_per_s: number;
  /** User turns per second, all replies in one call. */
  batched_turns_per_s: number;
  batched_speedup: number;
  step: { preset: string; steps: number; scripted_ms: number; lm_ms: number; ratio: number; lm_user_share: number; goal_ratio: number };
}

/** User-turn requests from scripted dialogues of the demo preset's task (the replies a training step asks for). */
function turnRequests(tokenizer: WordTokenizer, task: string, n: number): UserTurnRequest[] {
  const family = getTask(task);
  const config = configFromPresets(['demo']);
  const options = episodeOptions(config);
  const rng = new Rng(7);
  const out: UserTurnRequest[] = [];
  while (out.length < n) {
    const instance = family.sample(rng, 'train', options);
    const rollout = scriptedRollout(family, instance, family.agents['ask-all'], options, { agent: rng, user: rng }, tokenizer);
    const exchanges: Exchange[] = [];
    for (const t of rollout.dialogue.turns) {
      exchanges.push({ action: t.action, feedback: t.feedback, role: t.role });
      if (lmWritesReply(instance, t) && out.length < n) out.push({ instance, exchanges: exchanges.slice() });
    }
  }
  return out;
}

async function stepMs(tokenizer: WordTokenizer, lmUser: UserSimulator | null, steps: number): Promise<{ ms: number; lmMs: number }> {
  const config = configFromPresets(['demo']);
  const trainer = new Trainer(config, tokenizer);
  loadFilesInto(trainer.policy, await nodePretrained(config.init), tokenizer, `models/${config.init}`);
  trainer.lmUser = lmUser;
  await trainer.step(); // warm-up: kernels compiled, caches filled
  const times: number[] = [];
  const before = lmUser?.stats.ms ?? 0;
  for (let s = 0; s < steps; s++) times.push((await trainer.step()).metrics.step_ms);
  trainer.dispose();
  return { ms: median(times), lmMs: ((lmUser?.stats.ms ?? 0) - before) / steps };
}

export async function benchUserLm(tokenizer: WordTokenizer, o: { userModel: string; steps: number; repeats: number }): Promise<UserLmBench> {
  const sim = (await nodeUserModelLoader(tokenizer)(o.userModel))!;
  const config = configFromPresets(['demo']);
  // A demo step's rollouts: promptsPerStep x groupSize dialogues; at most one reply each is pending at once.
  const requests = turnRequests(tokenizer, config.task, config.promptsPerStep * config.groupSize);
  const rng = new Rng(1);
  await sim.replies(requests.slice(0, 4), rng); // warm-up
  const batched: number[] = [];
  const single: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    let t0 = performance.now();
    await sim.replies(requests, rng);
    batched.push(performance.now() - t0);
    t0 = performance.now();
    for (const req of requests) await sim.replies([req], rng);
    single.push(performance.now() - t0);
  }
  const scripted = await stepMs(tokenizer, null, o.steps);
  const lm = await stepMs(tokenizer, sim, o.steps);
  await sim.dispose();
  const perS = (ms: number) => requests.length / (ms / 1000);
  return {
    user_model: o.userModel,
    requests: requests.length,
    one_at_a_time_turns_per_s: perS(median(single)),
    batched_turns_per_s: perS(median(batched)),
    batched_speedup: median(single) / median(batched),
    step: { preset: 'demo', steps: o.steps, scripted_ms: scripted.ms, lm_ms: lm.ms, ratio: lm.ms / scripted.ms, lm_user_share: lm.lmMs / lm.ms, goal_ratio: 2 },
  };
}

export function userLmBenchText(b: UserLmBench): string {
  return [
    `LM user ${b.user_model}, ${b.requests} user turns (one demo step's dialogues):`,
    `  one at a time: ${b.one_at_a_time_turns_per_s.toFixed(0)} turns/s; batched: ${b.batched_turns_per_s.toFixed(0)} turns/s (${b.batched_speedup.toFixed(1)}x)`,
    `  demo training step (median of ${b.step.steps}): scripted users ${b.step.scripted_ms.toFixed(0)} ms, LM user ${b.step.lm_ms.toFixed(0)} ms: ${b.step.ratio.toFixed(2)}x (goal: at most ${b.step.goal_ratio}x); the LM user's share of the step ${(100 * b.step.lm_user_share).toFixed(0)}%`,
  ].join('\n');
}
