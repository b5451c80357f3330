/**
 * One training step, top to bottom (ARCHITECTURE.md "Data through one training step"):
 * tasks -> rollouts -> teacher-forced pass -> information gain -> advantages -> PPO update ->
 * metrics and traces. Readable in one sitting, like a CleanRL file.
 */
import * as tf from '@tensorflow/tfjs';
import { episodeOptions, trainingDecoding, type Config } from '../config';
import type { Dialogue } from '../dialogue';
import { Policy } from '../policy/model';
import { tidy } from '../policy/ops';
import { createStreams, Rng, STREAMS, type RandomStreams, type StreamName } from '../random';
import type { GroupTrace, Metrics } from '../run';
import { getTask } from '../tasks';
import { slipOf } from '../tasks/common';
import type { TaskFamily } from '../tasks/types';
import { EOT } from '../text/special';
import type { WordTokenizer } from '../text/tokenizer';
import { mean, stdUnbiased } from '../analysis/stats';
import { computeAdvantages, type BatchAdvantages, type RolloutCredit } from './advantage';
import { packDialogues, tokenLogProbs, type PackedBatch } from './batch';
import { computeInfoGain, type TurnInfoGain } from './infogain';
import { hasFusedDivergenceKernel } from '../kernels/divergence';
import { policyLoss } from './loss';
import { MechanismTally, questionsInformative } from './mechanism';
import { AdamW } from './optimizer';
import { generateRollouts, type Rollout, type RolloutRequest } from './rollout';
import { scriptedRollout } from './scripted';
import type { UserSimulator } from '../user-lm/lm-user';

export interface StepResult {
  step: number;
  metrics: Omit<Metrics, 'num_tensors'>;
  traces: GroupTrace[];
  rollouts: Rollout[];
}

/** Named float32 weights (a policy's parameters by name). */
export type WeightValues = Record<string, { shape: number[]; data: Float32Array }>;

/**
 * Everything the trainer needs to continue bit for bit (engine/checkpoints/snapshot.ts stores it): step index,
 * weights, AdamW step count and moments, every random stream, and the frozen KL reference.
 */
export interface TrainerState {
  stepIndex: number;
  streams: Record<StreamName, number[]>;
  weights: WeightValues;
  optimizer: { t: number; m: Float32Array[]; v: Float32Array[] };
  reference: WeightValues | null;
}

async function readWeights(policy: Policy): Promise<WeightValues> {
  const out: WeightValues = {};
  for (const name of policy.names()) {
    const v = policy.get(name);
    out[name] = { shape: [...v.shape], data: Float32Array.from((await v.data()) as Float32Array) };
  }
  return out;
}

function writeWeights(policy: Policy, weights: WeightValues, what: string): void {
  for (const name of policy.names()) {
    const w = weights[name];
    const v = policy.get(name);
    if (!w) throw new Error(`${what} lacks parameter ${name}`);
    if (w.shape.join() !== v.shape.join() || w.data.length !== v.size) throw new Error(`${what}: parameter ${name} has shape [${w.shape}], the model [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(w.data, v.shape)));
  }
}

/**
 * The learning rate of RL step `index` (0-based): linear warm-up over warmupSteps, then constant
 * or decayed (lrSchedule) from lr at the first step after the warm-up to lr / (steps - warmupSteps)
 * (linear) or towards 0 (cosine) at the last step; 0 past the last step of a decayed schedule.
 */
export function learningRateAt(c: Pick<Config, 'lr' | 'warmupSteps' | 'lrSchedule' | 'steps'>, index: number): number {
  if (c.warmupSteps > 0 && index < c.warmupSteps) return (c.lr * (index + 1)) / c.warmupSteps;
  if (c.lrSchedule === 'constant') return c.lr;
  const span = Math.max(1, c.steps - c.warmupSteps);
  const progress = Math.min(1, (index - c.warmupSteps) / span);
  return c.lrSchedule === 'linear' ? c.lr * (1 - progress) : c.lr * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** One step's rollouts and everything the update needs of them (Trainer.prepare). */
interface PreparedStep {
  rollouts: Rollout[];
  batch: PackedBatch;
  /** pi_old's log-probs [n, t - 1] (the teacher-forced pass), and the KL reference's. */
  oldLogp: Float32Array;
  refLogp: Float32Array | null;
  gains: TurnInfoGain[];
  /** gains by `${dialogue}/${turn}` */
  gainOf: Map<string, TurnInfoGain>;
  adv: BatchAdvantages;
  /** The batch rows of each group. */
  members: number[][];
  /** Per target position [n, t - 1]: the advantage, and 1 where the loss applies. */
  advantages: Float32Array;
  lossMask: Float32Array;
  rolloutMs: number;
  infogainMs: number;
  preparedAt: number;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class Trainer {
  readonly policy: Policy;
  readonly families: TaskFamily[];
  private readonly streams: RandomStreams;
  private optimizer: AdamW;
  private reference: Policy | null = null;
  /** The LM user wording the users' replies of RL rollouts (the warm start's demonstrations stay scripted); null: the personas. */
  lmUser: UserSimulator | null = null;
  private readonly placeholderIds: number[];
  stepIndex = 0;

  /**
   * `families` defaults to the registry's families named by config.task; a host may pass task
   * families of its own instead (the synthetic tasks of rl/learning.test.ts, a user's own task).
   */
  constructor(readonly config: Config, readonly tokenizer: WordTokenizer, families?: TaskFamily[]) {
    this.streams = createStreams(config.seed);
    this.families = families ?? config.task.split(',').map(getTask);
    this.policy = new Policy({ vocabSize: tokenizer.vocabSize, dModel: config.dModel, nLayers: config.nLayers, nHeads: config.nHeads, maxContext: config.maxContext }, this.streams.init);
    this.optimizer = this.makeOptimizer();
    this.placeholderIds = tokenizer.encode(config.placeholder);
    if (this.placeholderIds.length === 0) throw new Error(`placeholder "${config.placeholder}" has no tokens`);
  }

  private makeOptimizer(): AdamW {
    const c = this.config;
    return new AdamW(this.policy.variables, { beta1: c.adamBeta1, beta2: c.adamBeta2, weightDecay: c.weightDecay, gradClip: c.gradClip });
  }

  /**
   * Supervised warm start on the families' `demo` agents (imitation of action tokens), then, with
   * klCoef > 0, a frozen copy of the policy as the KL reference: the warm start's result, or the
   * loaded checkpoint's weights when there are no supervised steps.
   */
  async warmStart(onProgress?: (step: number, loss: number) => void | Promise<void>): Promise<number | null> {
    const last = this.config.sftSteps > 0 ? await this.supervised(onProgress) : null;
    if (this.config.klCoef > 0) {
      const snapshot = this.policy.snapshot();
      this.reference = new Policy(this.policy.shape, new Rng(0));
      this.reference.load(snapshot);
      snapshot.forEach((t) => t.dispose());
    }
    return last;
  }

  private async supervised(onProgress?: (step: number, loss: number) => void | Promise<void>): Promise<number> {
    const c = this.config;
    const optimizer = new AdamW(this.policy.variables, { beta1: c.adamBeta1, beta2: c.adamBeta2, weightDecay: 0, gradClip: c.gradClip });
    const rng = this.streams.sft;
    let last = NaN;
    for (let s = 0; s < c.sftSteps; s++) {
      const dialogues: Dialogue[] = [];
      for (let i = 0; i < c.sftBatch; i++) {
        const family = rng.pick(this.families);
        const instance = family.sampleDemo?.(rng, episodeOptions(c)) ?? family.sample(rng, 'train', episodeOptions(c));
        dialogues.push(scriptedRollout(family, instance, family.demonstrator(slipOf(family, instance, c)), episodeOptions(c), { agent: rng, user: this.streams.sftUser }, this.tokenizer, 0, c.demoNonAnswer).dialogue);
      }
      const batch = packDialogues(dialogues);
      const { value, grads } = tf.variableGrads(() => {
        const { logp } = tokenLogProbs(this.policy, batch);
        const mask = tf.tensor2d(batch.mask, [batch.n, batch.t - 1]);
        return tf.div(tf.neg(tf.sum(tf.mul(logp, mask))), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
      }, this.policy.variables);
      await optimizer.step(this.policy.variables.map((v) => grads[v.name]), c.sftLr);
      last = (await value.data())[0];
      value.dispose();
      await onProgress?.(s + 1, last);
    }
    optimizer.dispose();
    return last;
  }

  /** The task instances of one step: promptsPerStep groups of groupSize rollouts. */
  private sampleRequests(): RolloutRequest[] {
    const c = this.config;
    const rng = this.streams.tasks;
    const requests: RolloutRequest[] = [];
    for (let g = 0; g < c.promptsPerStep; g++) {
      const family = this.families.length === 1 ? this.families[0] : rng.pick(this.families);
      const instance = family.sample(rng, 'train', episodeOptions(c));
      for (let i = 0; i < c.groupSize; i++) requests.push({ family, instance, group: g });
    }
    return requests;
  }

  private async referenceLogProbs(batch: PackedBatch): Promise<Float32Array> {
    const logp = tidy(() => tokenLogProbs(this.reference!, batch).logp);
    const data = (await logp.data()) as Float32Array;
    logp.dispose();
    return data;
  }

  private learningRate(): number {
    return learningRateAt(this.config, this.stepIndex);
  }

  async step(options: { trace?: boolean } = {}): Promise<StepResult> {
    const t0 = now();
    const p = await this.prepare();
    // PPO update over mini-batches of rollouts.
    const lr = this.learningRate();
    const update = await this.update(p, lr);
    const t3 = now();
    const metrics = this.stepMetrics(p, update, lr, { rollout: p.rolloutMs, infogain: p.infogainMs, update: t3 - p.preparedAt, step: t3 - t0 });
    const traces = options.trace ? this.traces(p) : [];
    this.stepIndex++;
    return { step: this.stepIndex, metrics, traces, rollouts: p.rollouts };
  }

  /**
   * The policy gradient of one fresh batch at the current weights (one mini-batch of every
   * rollout), applied to nothing: samples for the gradient-noise measurement (analysis/noise.ts). It
   * draws from the run's streams like a step does, so batches are independent; the weights, the
   * optimiser and the step count do not change.
   */
  async gradientSample(): Promise<Float32Array[]> {
    const p = await this.prepare();
    const { value, grads, kept } = this.miniBatchGradients(p, [...Array(p.batch.n).keys()]);
    const out = await Promise.all(this.policy.variables.map(async (v) => Float32Array.from((await grads[v.name].data()) as Float32Array)));
    tf.dispose([value, ...kept, ...Object.values(grads)]);
    return out;
  }

  /** Rollouts, the teacher-forced pass, the information gain and the advantages of one step: everything the update needs. */
  private async prepare(): Promise<PreparedStep> {
    const c = this.config;
    const t0 = now();
    const requests = this.sampleRequests();
    const rollouts = await generateRollouts(this.policy, this.tokenizer, requests, { ...episodeOptions(c), ...trainingDecoding(c) }, { sampling: this.streams.sampling, user: this.streams.user }, this.lmUser ?? undefined);
    const rolloutMs = now() - t0;

    // Teacher-forced pass of the rollout policy: log-probs for the PPO ratio, logits for the information gain.
    const dialogues = rollouts.map((r) => r.dialogue);
    const batch = packDialogues(dialogues);
    const infopo = c.method === 'infopo';
    const old = tidy(() => tokenLogProbs(this.policy, batch, { logits: infopo, kv: infopo && c.prefixReuse }));
    const oldLogp = (await old.logp.data()) as Float32Array;
    // infogain_ms times only what InfoPO adds: the teacher-forced passes above and below (old and
    // reference log-probs) belong to every method's step and are in step_ms, not in a phase.
    let gains: TurnInfoGain[] = [];
    let infogainMs = 0;
    if (infopo) {
      const ig0 = now();
      gains = await computeInfoGain(this.policy, dialogues, batch.t, old.logits!, old.kv, { placeholderIds: this.placeholderIds, placeholderMode: c.placeholderMode, prefixReuse: c.prefixReuse, divergenceImpl: c.divergenceImpl });
      infogainMs = now() - ig0;
    }
    tf.dispose([old.logp, old.logits, ...(old.kv ? [...old.kv.k, ...old.kv.v] : [])]);
    const refLogp = this.reference ? await this.referenceLogProbs(batch) : null;

    // Advantages, per group, from outcomes and per-turn information gain.
    const gainOf = new Map(gains.map((g) => [`${g.dialogue}/${g.turn}`, g]));
    const groups: RolloutCredit[][] = [];
    const members: number[][] = [];
    rollouts.forEach((r, i) => {
      (groups[r.group] ??= []).push({
        outcome: r.outcome,
        turns: r.dialogue.turns.map((turn, t) => {
          const span = r.dialogue.spans[turn.actionSpan];
          const gain = gainOf.get(`${i}/${t}`);
          return { actionTokens: span.end - span.start, infoGain: gain ? (c.infoGainEstimator === 'exact' ? gain.exact : gain.sampled) : null };
        }),
      });
      (members[r.group] ??= []).push(i);
    });
    const adv = computeAdvantages(groups, { ...c, epoch: this.stepIndex });
    const advantages = new Float32Array(batch.n * (batch.t - 1));
    adv.groups.forEach((g, gi) =>
      g.tokens.forEach((turns, k) => {
        const d = dialogues[members[gi][k]];
        const row = members[gi][k] * (batch.t - 1);
        turns.forEach((values, t) => {
          const span = d.spans[d.turns[t].actionSpan];
          values.forEach((a, j) => (advantages[row + span.start + j - 1] = a));
        });
      }),
    );
    const lossMask = Float32Array.from(batch.mask);
    adv.groups.forEach((g, gi) => {
      if (!g.kept) for (const i of members[gi]) lossMask.fill(0, i * (batch.t - 1), (i + 1) * (batch.t - 1));
    });
    return { rollouts, batch, oldLogp, refLogp, gains, gainOf, adv, members, advantages, lossMask, rolloutMs, infogainMs, preparedAt: now() };
  }

  /** The loss of the rollouts `rows` of a prepared step and its gradients (PPO-clip, entropy, KL; rl/loss.ts). */
  private miniBatchGradients(p: PreparedStep, rows: number[]): { value: tf.Scalar; grads: tf.NamedTensorMap; kept: tf.Tensor[] } {
    const c = this.config;
    const T1 = p.batch.t - 1;
    const pick = (src: Float32Array | Int32Array, width: number) => {
      const out = src instanceof Int32Array ? new Int32Array(rows.length * width) : new Float32Array(rows.length * width);
      rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
      return out;
    };
    const mb: PackedBatch = { n: rows.length, t: p.batch.t, tokens: pick(p.batch.tokens, p.batch.t) as Int32Array, mask: pick(p.batch.mask, T1) as Float32Array };
    const shape: [number, number] = [rows.length, T1];
    let kept: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const { logp, entropy } = tokenLogProbs(this.policy, mb, { entropy: true });
      const out = policyLoss(
        {
          logp,
          entropy,
          oldLogp: tf.tensor2d(pick(p.oldLogp, T1) as Float32Array, shape),
          advantages: tf.tensor2d(pick(p.advantages, T1) as Float32Array, shape),
          mask: tf.tensor2d(pick(p.lossMask, T1) as Float32Array, shape),
          refLogp: p.refLogp ? tf.tensor2d(pick(p.refLogp, T1) as Float32Array, shape) : undefined,
        },
        { ...c, horizon: c.maxContext },
      );
      kept = [out.policyLoss, out.entropy, out.klRef, out.clipFraction, out.approxKl].map((t) => tf.keep(t));
      return out.loss;
    }, this.policy.variables);
    return { value, grads, kept };
  }

  private async update(p: PreparedStep, lr: number) {
    const c = this.config;
    const n = p.batch.n;
    const sums = { loss: 0, policyLoss: 0, entropy: 0, klRef: 0, clipFraction: 0, approxKl: 0, gradNorm: 0, n: 0 };
    for (let epoch = 0; epoch < c.ppoEpochs; epoch++) {
      const order = c.miniBatches > 1 ? this.streams.order.shuffle([...Array(n).keys()]) : [...Array(n).keys()];
      const size = Math.ceil(n / c.miniBatches);
      for (let start = 0; start < n; start += size) {
        const { value, grads, kept } = this.miniBatchGradients(p, order.slice(start, start + size));
        const gradNorm = await this.optimizer.step(this.policy.variables.map((v) => grads[v.name]), lr);
        // One wait for all six scalars (the loss and its terms), not one read-back after another.
        const read = await Promise.all([value, ...kept].map(async (t) => (await t.data())[0]));
        tf.dispose([value, ...kept]);
        const terms = { policyLoss: read[1], entropy: read[2], klRef: read[3], clipFraction: read[4], approxKl: read[5] };
        sums.loss += read[0];
        for (const k of Object.keys(terms) as (keyof typeof terms)[]) sums[k] += terms[k];
        sums.gradNorm += gradNorm;
        sums.n++;
      }
    }
    const avg = (k: keyof typeof sums) => sums[k] / Math.max(1, sums.n);
    return { loss: avg('loss'), policyLoss: avg('policyLoss'), entropy: avg('entropy'), klRef: avg('klRef'), clipFraction: avg('clipFraction'), approxKl: avg('approxKl'), gradNorm: avg('gradNorm') };
  }

  private stepMetrics(p: PreparedStep, u: Awaited<ReturnType<Trainer['update']>>, lr: number, ms: { rollout: number; infogain: number; update: number; step: number }): Omit<Metrics, 'num_tensors'> {
    const { rollouts, gains, adv } = p;
    const turns = rollouts.map((r) => r.dialogue.turns.length);
    const actions = rollouts.flatMap((r) => r.dialogue.turns.map((t) => r.dialogue.spans[t.actionSpan]));
    const generated = actions.reduce((a, s) => a + s.end - s.start, 0);
    const gates = adv.groups.map((g) => g.gate);
    const sampled = gains.map((g) => g.sampled);
    const exact = gains.map((g) => g.exact);
    const stepMs = ms.step;
    const mechanism = this.mechanism(p);
    const tokens = rollouts.reduce((a, r) => a + r.dialogue.tokens.length, 0);
    return {
      success: mean(rollouts.map((r) => (r.success ? 1 : 0)), 0),
      return: mean(rollouts.map((r) => r.outcome), 0),
      turns: mean(turns, 0),
      action_len: actions.length ? generated / actions.length : 0,
      tokens_generated: generated,
      invalid_action_fraction: actions.length ? rollouts.flatMap((r) => r.dialogue.turns).filter((t) => !t.valid).length / actions.length : 0,
      zero_std_fraction: mean(adv.groups.map((g) => (g.std === 0 ? 1 : 0)), 0),
      uninformative_share: mechanism.uninformativeShare,
      tied_credit_informative: mechanism.tiedCredit('informative'),
      tied_credit_uninformative: mechanism.tiedCredit('uninformative'),
      gate_min: Math.min(...gates),
      gate_mean: mean(gates, 0),
      gate_max: Math.max(...gates),
      scored_turns: gains.length,
      info_gain_mean: mean(sampled, 0),
      info_gain_std: stdUnbiased(sampled),
      info_gain_exact_mean: mean(exact, 0),
      info_gain_exact_std: stdUnbiased(exact),
      // 1 when this step's divergences ran in the fused WGSL kernel (webgpu), 0 on the tfjs-ops path.
      fused_divergence: gains.length > 0 && this.config.divergenceImpl !== 'ops' && hasFusedDivergenceKernel() ? 1 : 0,
      intrinsic_share: adv.intrinsicShare,
      cap: adv.cap,
      beta_effective: adv.betaEffective,
      loss: u.loss,
      policy_loss: u.policyLoss,
      entropy: u.entropy,
      clip_fraction: u.clipFraction,
      approx_kl: u.approxKl,
      kl_ref: u.klRef,
      grad_norm: u.gradNorm,
      lr,
      rollout_ms: ms.rollout,
      infogain_ms: ms.infogain,
      update_ms: ms.update,
      step_ms: stepMs,
      tokens_per_s: stepMs > 0 ? (tokens / stepMs) * 1000 : 0,
    };
  }

  /** The step's questions by whether their feedback was informative, and what tied groups credited each kind (rl/mechanism.ts). */
  private mechanism(p: PreparedStep): MechanismTally {
    const tally = new MechanismTally();
    const simulator = episodeOptions(this.config);
    p.adv.groups.forEach((g, gi) =>
      p.members[gi].forEach((i, k) => {
        const r = p.rollouts[i];
        const family = this.families.find((f) => f.id === r.family)!;
        const exchanges = r.dialogue.turns.map((t) => ({ action: t.action, feedback: t.feedback, role: t.role }));
        const informative = questionsInformative(family, r.request, exchanges, simulator.maxTurns || family.maxTurns, simulator);
        tally.add(informative, g.kept && g.std === 0 ? g.tokens[k].map((tokens) => mean(tokens, 0)) : null);
      }),
    );
    return tally;
  }

  private traces(p: PreparedStep): GroupTrace[] {
    const { rollouts, members, gainOf, adv } = p;
    return adv.groups.map((g, gi) => {
      const first = rollouts[members[gi][0]];
      return {
        step: this.stepIndex + 1,
        group: gi,
        task: first.family,
        instance: first.instanceId,
        request: first.request,
        gate: g.gate,
        outcome_mean: g.mean,
        outcome_std: g.std,
        cap: adv.cap,
        beta: adv.betaEffective,
        kept: g.kept,
        rollouts: members[gi].map((i, k) => {
          const r = rollouts[i];
          return {
            outcome: r.outcome,
            success: r.success,
            end_reason: r.endReason,
            turns: r.dialogue.turns.map((turn, t) => {
              const span = r.dialogue.spans[turn.actionSpan];
              const gain = gainOf.get(`${i}/${t}`);
              return {
                action: turn.action,
                feedback: turn.feedback,
                role: turn.role,
                action_tokens: r.dialogue.tokens.slice(span.start, span.end).map((id) => (id === EOT ? '<eot>' : this.tokenizer.token(id))),
                info_gain: gain ? gain.sampled : null,
                info_gain_exact: gain ? gain.exact : null,
                step_reward: turn.stepReward,
                valid: turn.valid,
                advantages: g.tokens[k][t],
              };
            }),
          };
        }),
      };
    });
  }

  /** The trainer's whole state between steps (copies), for a resumable snapshot. */
  async getState(): Promise<TrainerState> {
    return {
      stepIndex: this.stepIndex,
      streams: Object.fromEntries(STREAMS.map((n) => [n, this.streams[n].getState()])) as Record<StreamName, number[]>,
      weights: await readWeights(this.policy),
      optimizer: await this.optimizer.getState(),
      reference: this.reference ? await readWeights(this.reference) : null,
    };
  }

  /** Continue from `getState()`'s result, in place of the warm start (which it already holds). */
  setState(state: TrainerState): void {
    if ((this.config.klCoef > 0) !== (state.reference !== null)) throw new Error(`the snapshot ${state.reference ? 'has' : 'lacks'} a KL reference policy, the config has klCoef ${this.config.klCoef}`);
    writeWeights(this.policy, state.weights, 'the snapshot');
    this.optimizer.setState(state.optimizer);
    if (state.reference) {
      this.reference?.dispose();
      this.reference = new Policy(this.policy.shape, new Rng(0));
      writeWeights(this.reference, state.reference, "the snapshot's KL reference");
    }
    for (const n of STREAMS) this.streams[n].setState(state.streams[n]);
    this.stepIndex = state.stepIndex;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.policy.dispose();
    this.reference?.dispose();
  }
}
