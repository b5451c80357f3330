/**
 * The engine's public API: what the UI, the CLI, tests and users import.
 *
 *   import { configFromPresets, loadTokenizer, runExperiment } from './src/engine';
 *   const config = configFromPresets(['quick'], { method: 'grpo' });
 *   const tokenizer = await loadTokenizer({ modelsPath: 'models' });
 *   const { record } = await runExperiment(config, tokenizer, environment);
 */
export * from './config';
export * from './run';
export { runExperiment, isTraced, experimentPlan, type ExperimentEvent, type ExperimentHooks, type PhaseId, type PhasePlan } from './experiment';
export { initBackend, chooseFastestBackend, probeUnit, isSoftwareAdapter, describeProbe, type BackendChoice, type BackendName, type BackendProbe, type BackendReport } from './backend';
export { createStreams, Rng, STREAMS, type RandomStreams, type StreamName } from './random';
export * from './dialogue';
export { loadTokenizer, buildTokenizerFiles, splitWords, type WordTokenizer } from './text/tokenizer';
export * from './text/special';
export { TASKS, TASK_IDS, getTask } from './tasks';
export type * from './tasks/types';
export { Policy, causalMask, type ModelShape, type KV } from './policy/model';
export { exportPolicy, importPolicy, CHECKPOINT_FORMAT } from './policy/checkpoint';
export { sampleToken, type SamplingOptions } from './policy/sampler';
// The math, callable on your own numbers:
export { computeAdvantages, groupStats, varianceGate, tokenRewards, stdUnbiased, type AdvantageOptions, type BatchAdvantages, type RolloutCredit, type TurnCredit } from './rl/advantage';
export { computeInfoGain, type InfoGainOptions, type TurnInfoGain } from './rl/infogain';
export { policyLoss, clippedPolicyLoss, aggregate, type LossOptions, type LossInputs, type LossAggregation } from './rl/loss';
export { counterfactualDivergence, hasFusedDivergenceKernel, type Divergence, type DivergenceImpl } from './kernels/divergence';
export { divergenceReference } from './kernels/reference';
export { packDialogues, tokenLogProbs, type PackedBatch } from './rl/batch';
export { generateRollouts, type Rollout, type RolloutRequest } from './rl/rollout';
export { scriptedRollout } from './rl/scripted';
export { evaluatePolicy } from './rl/evaluate';
export { Trainer, type StepResult } from './rl/trainer';
export { AdamW } from './rl/optimizer';
