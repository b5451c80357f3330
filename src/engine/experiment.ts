/**
 * A whole run: warm start, RL steps, evaluations, the run record. The CLI and the Web Worker
 * both drive this; it reports through events and can be stopped between steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Config } from './config';
import { checkpointNameOf, IMPORTED_INIT, isCheckpointPath, loadFilesInto, type CheckpointFiles } from './checkpoints/hf-checkpoint';
import { evaluate as evaluateAgent, evaluationEntry } from './evaluation';
import { Trainer } from './rl/trainer';
import { fingerprint, newRunRecord, type EnvironmentInfo, type EvaluationEntry, type GroupTrace, type RunRecord, type StepEntry } from './run';
import type { WordTokenizer } from './text/tokenizer';
import type { UserSimulator } from './user-lm/lm-user';
import { SCRIPTED_USER } from './user-lm/source';
import { makeSnapshot, verifySnapshot, type RunSnapshot } from './checkpoints/snapshot';

/** The kinds of work a run does, in the order they happen. */
export type PhaseId = 'loading-checkpoint' | 'warm-start' | 'evaluation' | 'rl' | 'final-evaluation';

/** One entry of a run's schedule: what it does and how many units (steps, episodes) it counts. */
export interface PhasePlan {
  id: PhaseId;
  /** Plain words for the page and the CLI ("RL steps 1-10"). */
  label: string;
  units: number;
  unit: 'checkpoint' | 'step' | 'episode';
  /** RL steps: the first and last step of this stretch; evaluations: the step they evaluate after. */
  fromStep?: number;
  toStep?: number;
}

/**
 * The whole schedule of a run, announced before it starts (the 'plan' event) so hosts show
 * progress and an ETA over every phase without re-deriving the engine's order. Mid-run evaluations
 * (evalEvery) split the RL steps into stretches. A stopped run ends early: the plan is what a
 * complete run does.
 */
export function experimentPlan(config: Config): PhasePlan[] {
  const plan: PhasePlan[] = [];
  if (config.init !== 'scratch') plan.push({ id: 'loading-checkpoint', label: `loading checkpoint ${checkpointNameOf(config.init)}`, units: 1, unit: 'checkpoint' });
  if (config.sftSteps > 0) plan.push({ id: 'warm-start', label: 'supervised warm start', units: config.sftSteps, unit: 'step' });
  const evaluates = config.evalEpisodes > 0;
  if (evaluates) plan.push({ id: 'evaluation', label: 'evaluation before RL (step 0)', units: config.evalEpisodes, unit: 'episode', fromStep: 0, toStep: 0 });
  let from = 1;
  for (let s = 1; s <= config.steps; s++) {
    const midEval = evaluates && config.evalEvery > 0 && s % config.evalEvery === 0 && s !== config.steps;
    if (s === config.steps || midEval) {
      plan.push({ id: 'rl', label: from === s ? `RL step ${s}` : `RL steps ${from}-${s}`, units: s - from + 1, unit: 'step', fromStep: from, toStep: s });
      from = s + 1;
    }
    if (midEval) plan.push({ id: 'evaluation', label: `evaluation after step ${s}`, units: config.evalEpisodes, unit: 'episode', fromStep: s, toStep: s });
  }
  if (evaluates) plan.push({ id: 'final-evaluation', label: `final evaluation (step ${config.steps})`, units: config.evalEpisodes, unit: 'episode', fromStep: config.steps, toStep: config.steps });
  return plan;
}

export type ExperimentEvent =
  | { type: 'plan'; phases: PhasePlan[] }
  /** Phase `index` of the plan begins. */
  | { type: 'phase'; index: number; phase: PhasePlan }
  | { type: 'warm-start'; step: number; total: number; loss: number }
  | { type: 'step'; entry: StepEntry; traces: GroupTrace[]; total: number }
  | { type: 'evaluation'; entry: EvaluationEntry }
  | { type: 'log'; message: string };

/**
 * Training diverged: a step's loss or gradient norm is NaN or ±Infinity. AdamW skips a non-finite
 * gradient (earlier, finite mini-batch updates of the step stay applied); the run ends 'failed' with this record, and
 * `lastSnapshotStep` names the last snapshot the host was given (0: none).
 */
export class RunFault extends Error {
  override name = 'RunFault';
  constructor(message: string, readonly record: RunRecord, readonly lastSnapshotStep: number) {
    super(message);
  }
}

/** Files the host provides (Node reads models/ or a path, the worker fetches /models/ or holds an import). */
export interface ExperimentResources {
  /**
   * The files of the checkpoint folder an `init` value names: a folder under models/ (`pretrained`
   * reads models/infopo-warm), a path (CLI), or `imported` (page). Either layout (hf-checkpoint.ts).
   */
  loadPretrained?: (name: string) => Promise<CheckpointFiles>;
  /** Continue this snapshot (engine/checkpoints/snapshot.ts) instead of starting afresh; its config must equal `config`. */
  resume?: RunSnapshot;
  /** The user simulator a `userModel` value names (user-lm/load.ts through the host's files and device); null for scripted. */
  loadUserModel?: (spec: string) => Promise<UserSimulator | null>;
}

/** The simulators of a run's training and evaluation users (one load when both name the same model). */
export async function runUsers(config: Config, load: ExperimentResources['loadUserModel']): Promise<{ train: UserSimulator | null; eval: UserSimulator | null; dispose: () => Promise<void> }> {
  const evalSpec = config.evalUserModel || config.userModel;
  if (config.userModel === SCRIPTED_USER && evalSpec === SCRIPTED_USER) return { train: null, eval: null, dispose: async () => {} };
  if (!load) throw new Error(`userModel ${config.userModel === SCRIPTED_USER ? evalSpec : config.userModel}: this host cannot load user models`);
  const train = await load(config.userModel);
  const other = evalSpec === config.userModel ? train : await load(evalSpec).catch(async (e) => {
    await train?.dispose();
    throw e;
  });
  return {
    train,
    eval: other,
    dispose: async () => {
      await train?.dispose();
      if (other !== train) await other?.dispose();
    },
  };
}

export interface ExperimentHooks {
  onEvent?: (event: ExperimentEvent) => void | Promise<void>;
  /** Checked between steps; true ends the run early with status 'stopped'. */
  shouldStop?: () => boolean;
  /** Awaited between steps (the worker uses it to pause). */
  beforeStep?: () => Promise<void>;
  /** Take a snapshot after every `checkpointEvery`-th RL step (after that step's evaluation, if any) and when stopped; 0 or absent: never. */
  checkpointEvery?: number;
  /** Receives each snapshot; awaited, so a host may store it before the run goes on. */
  onCheckpoint?: (snapshot: RunSnapshot) => void | Promise<void>;
}

/** Trace the first and last step and every traceEvery-th. */
export function isTraced(step: number, config: Config): boolean {
  if (config.traceEvery <= 0) return false;
  return step === 1 || step === config.steps || step % config.traceEvery === 0;
}

export async function runExperiment(config: Config, tokenizer: WordTokenizer, environment: EnvironmentInfo, hooks: ExperimentHooks = {}, resources: ExperimentResources = {}): Promise<{ record: RunRecord; trainer: Trainer }> {
  const emit = async (e: ExperimentEvent) => hooks.onEvent?.(e);
  const plan = experimentPlan(config);
  let next = 0;
  /** Announce the next planned phase; it must be the one the code is about to run. */
  const begin = async (id: PhaseId) => {
    const phase = plan[next];
    if (!phase || phase.id !== id) throw new Error(`internal: phase ${id} out of plan order (expected ${phase?.id ?? 'none'})`);
    await emit({ type: 'phase', index: next++, phase });
  };
  const resume = resources.resume;
  if (resume) await verifySnapshot(resume, config);
  const done = resume?.step ?? 0;
  if (resume) {
    // Phases wholly before the snapshot are over; the RL stretch holding step done + 1 begins in the loop.
    while (next < plan.length && (plan[next].id === 'loading-checkpoint' || plan[next].id === 'warm-start' || ((plan[next].id === 'rl' || plan[next].id === 'evaluation') && plan[next].toStep! <= done))) next++;
  }
  await emit({ type: 'plan', phases: plan });
  const users = await runUsers(config, resources.loadUserModel);
  for (const [who, sim] of [['training', users.train], ['evaluation', users.eval]] as const) if (sim) await emit({ type: 'log', message: `${who} users' replies are written by the LM user ${sim.name} (${(sim.bytes / 1024).toFixed(0)} KB of weights)` });
  const trainer = new Trainer(config, tokenizer);
  trainer.lmUser = users.train;
  if (config.init !== 'scratch' && !resume) {
    await begin('loading-checkpoint');
    const name = checkpointNameOf(config.init);
    const where = isCheckpointPath(name) || name === IMPORTED_INIT ? name : `models/${name}`;
    let layout: string;
    try {
      if (!resources.loadPretrained) throw new Error('this host provides no checkpoints');
      const files = await resources.loadPretrained(name);
      ({ layout } = loadFilesInto(trainer.policy, files, tokenizer, where));
    } catch (e) {
      trainer.dispose();
      await users.dispose();
      throw new Error(`init=${config.init}: ${(e as Error).message}`);
    }
    await emit({ type: 'log', message: `loaded the checkpoint ${where} (${layout === 'hf' ? 'Hugging Face' : 'legacy tfjs'} layout)` });
  }
  let record: RunRecord;
  if (resume) {
    try {
      trainer.setState(resume.state);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    // The record so far, run on by this host (its environment is this host's).
    record = { ...resume.record, environment, status: 'running', fingerprint: '', steps: [...resume.record.steps], traces: [...resume.record.traces], evaluations: [...resume.record.evaluations] };
    await emit({ type: 'log', message: `resumed from the snapshot of step ${done} (made ${resume.created_at} on ${resume.record.environment.backend})` });
  } else {
    record = newRunRecord({ config, environment, model: { parameters: trainer.policy.parameterCount(), vocab_size: tokenizer.vocabSize } });
  }
  const evaluate = async (step: number, final = false) => {
    if (config.evalEpisodes === 0) return;
    await begin(final ? 'final-evaluation' : 'evaluation');
    const entry = evaluationEntry(await evaluateAgent({ policy: trainer.policy }, { config, tokenizer, lmUser: users.eval }), step);
    record.evaluations.push(entry);
    await emit({ type: 'evaluation', entry });
  };
  let lastSnapshot = done;
  const checkpoint = async () => {
    if (!hooks.onCheckpoint || trainer.stepIndex === lastSnapshot || trainer.stepIndex === 0) return;
    await hooks.onCheckpoint(await makeSnapshot(record, await trainer.getState()));
    lastSnapshot = trainer.stepIndex;
  };
  const every = hooks.checkpointEvery ?? 0;
  try {
    if (!resume) {
      if (config.sftSteps > 0) await begin('warm-start');
      record.warm_start.final_loss = await trainer.warmStart(async (step, loss) => {
        await emit({ type: 'warm-start', step, total: config.sftSteps, loss });
      });
      await evaluate(0);
    }
    for (let s = done + 1; s <= config.steps; s++) {
      await hooks.beforeStep?.();
      if (hooks.shouldStop?.()) {
        record.status = 'stopped';
        await checkpoint();
        break;
      }
      if (plan[next]?.id === 'rl' && plan[next].fromStep! <= s) await begin('rl');
      const result = await trainer.step({ trace: isTraced(s, config) });
      const entry: StepEntry = { step: result.step, metrics: { ...result.metrics, num_tensors: tf.memory().numTensors } };
      record.steps.push(entry);
      record.traces.push(...result.traces);
      await emit({ type: 'step', entry, traces: result.traces, total: config.steps });
      const m = result.metrics;
      if (!Number.isFinite(m.loss) || !Number.isFinite(m.grad_norm)) {
        const kept = lastSnapshot > 0 ? `the last good snapshot is step ${lastSnapshot}` : 'no snapshot was taken';
        throw new RunFault(`Training diverged at step ${s}: loss ${m.loss}, gradient norm ${m.grad_norm} (lr ${m.lr}). AdamW applied no non-finite gradient; the run stopped and ${kept}. Lower lr or set gradClip, then start again.`, record, lastSnapshot);
      }
      if (config.evalEvery > 0 && s % config.evalEvery === 0 && s !== config.steps) await evaluate(s);
      if (every > 0 && s % every === 0 && s !== config.steps) await checkpoint();
    }
    if (record.status === 'running') {
      await evaluate(trainer.stepIndex, true);
      record.status = 'complete';
    }
  } catch (error) {
    record.status = 'failed';
    // The caller never receives this trainer: free its tensors.
    trainer.dispose();
    throw error;
  } finally {
    record.fingerprint = await fingerprint(record);
    trainer.lmUser = null;
    await users.dispose();
  }
  return { record, trainer };
}
