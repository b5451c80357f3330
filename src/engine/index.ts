/**
 * The engine's public API: what the UI, the CLI, the worker, the kernel lab, tests and users
 * import (hosts import nothing else of the engine but `./webgpu`, the browser-only WebGPU pieces;
 * src/hosts.test.ts checks it).
 *
 *   import { configFromPresets, evaluate, loadTokenizer, runExperiment } from './src/engine';
 *   const config = configFromPresets(['quick'], { method: 'grpo' });
 *   const tokenizer = await loadTokenizer({ modelsPath: 'models' });
 *   const { record, trainer } = await runExperiment(config, tokenizer, environment);
 *   const oracle = await evaluate({ baseline: 'oracle' }, { config, tokenizer });
 *   const policy = await evaluate({ policy: trainer.policy }, { config, tokenizer });
 */
export * from './config';
export * from './run';
export * from './evaluation';
export { encodeShare, decodeShare, hasShare, shareUrl, shareParamsOf, shareParamsOfLink, reproductionVerdict, SHARE_VERSION, SHARE_PARAMS, MAX_SHARE_PAYLOAD, type ShareProof, type DecodedShare, type VerdictKind } from './share';
export { estimateResources, checkResources, resourceLimit, parameterCount, formatBytes, ESTIMATE_VOCAB, WASM_HEAP_BYTES, WARN_SHARE, type ResourceEstimate, type ResourceCheck, type ResourceLevel, type ResourceLimit, type DeviceInfo } from './runtime/resources';
export { runExperiment, runUsers, isTraced, experimentPlan, RunFault, type ExperimentEvent, type ExperimentHooks, type ExperimentResources, type PhaseId, type PhasePlan } from './experiment';
export { BACKEND_NAMES, isBackendName, fallbackOrder, environmentOf, reportOf, initBackend, chooseFastestBackend, probeUnit, isSoftwareAdapter, describeProbe, fastGpuOffer, FAST_GPU_PRESET, type FastGpuOffer, type LargeProbe, type BackendChoice, type BackendName, type BackendProbe, type BackendReport, type RunHost } from './runtime/backend';
export { createStreams, Rng, STREAMS, type RandomStreams, type StreamName } from './random';
export * from './dialogue';
export { loadTokenizer, buildTokenizerFiles, splitWords, TOKENIZER_NAME, type WordTokenizer } from './text/tokenizer';
export { allVocabularyWords } from './text/vocabulary';
export * from './text/special';
export { TASKS, TASK_IDS, getTask } from './tasks';
export type * from './tasks/types';
export { PERSONAS, PERSONA_IDS, getPersona, isPersona, type Persona, type PersonaId } from './users';
export { Policy, causalMask, type ModelShape, type KV } from './policy/model';
// Checkpoints that leave the sandbox (docs/models.md):
export { checkpointToFiles, policyFromFiles, loadFilesInto, decodeCheckpointFiles, checkpointLayout, hfTensorName, modelCard, cardFromConfig, checkpointNameOf, isCheckpointPath, IMPORTED_INIT, WARM_START_NAME, HF_FILES, LEGACY_FILES, type CheckpointFiles, type CheckpointMeta, type TokenizerFiles } from './checkpoints/hf-checkpoint';
// The legacy layout is read (above) but no longer written; its encoder serves the tests of reading old folders.
export { encodeLegacyCheckpoint } from './checkpoints/tfjs-checkpoint';
export { encodeSafetensors, decodeSafetensors, f32Tensor, f32Values, type SafetensorsTensor } from './checkpoints/safetensors';
export { buildOnnxModel, policyToOnnx } from './checkpoints/onnx-export';
export { verlExportFiles, verlRows, knobMap, hydraOverrides, verlBatchSizes, launchOverrides, gymPackageFiles, GYM_DIR, type VerlRow, type KnobMapping } from './checkpoints/verl-export';
export type { GymFixtures } from './checkpoints/verl-gym';
export { sampleToken, GREEDY, type SamplingOptions } from './policy/sampler';
// The math, callable on your own numbers:
export { computeAdvantages, groupStats, varianceGate, tokenRewards, EPS, type AdvantageOptions, type BatchAdvantages, type RolloutCredit, type TurnCredit } from './rl/advantage';
// docs/infopo.md §3-§4 again, independently of computeAdvantages, over traced groups (how the tests check recorded advantages):
export { specAdvantages, type SpecAdvantages } from './rl/advantage-spec';
export { computeInfoGain, type InfoGainOptions, type TurnInfoGain } from './rl/infogain';
export { policyLoss, clippedPolicyLoss, aggregate, type LossOptions, type LossInputs, type LossAggregation } from './rl/loss';
export { counterfactualDivergence, hasFusedDivergenceKernel, type Divergence, type DivergenceImpl } from './kernels/divergence';
export { divergenceReference, makeDivergenceCase, compareToReference, passes, PARITY_CASES, PARITY_TOLERANCE, type DivergenceCaseSpec, type ErrorStats } from './kernels/reference';
export { divergenceParity, type DivergenceParity } from './kernels/parity';
export { packDialogues, tokenLogProbs, type PackedBatch } from './rl/batch';
export { generateRollouts, type EndReason, type Rollout, type RolloutRequest } from './rl/rollout';
export { scriptedRollout } from './rl/scripted';
export { Trainer, type StepResult, type TrainerState, type WeightValues } from './rl/trainer';
export { decodeSnapshot, encodeSnapshot, makeSnapshot, snapshotBytes, verifySnapshot, SnapshotError, SNAPSHOT_FILE, SNAPSHOT_FORMAT, type RunSnapshot } from './checkpoints/snapshot';
export { PlaySession, UserPlaySession, playInstance, type PlayState, type UserPlayState, type UserPlayTurn } from './play';
export { firstRise } from './analysis/first-rise';
export { curveArea, raceVerdict, type RaceVerdict } from './analysis/race';
export { analyseSpeed, budgetOf, planSpeedRuns, renderSpeedReport, speedRun, DEMO_CHECK_SEEDS, SPEED_SEEDS, SPEED_STUDIES, VISIBLE_RISE, type PlannedSpeedRun, type SpeedResults, type SpeedRunResult, type SpeedStudy } from './analysis/learning-speed';
export { gradientNoise, measureGradientNoise, type GradientNoise, type NoiseGroup } from './analysis/noise';
export { questionsInformative, MechanismTally } from './rl/mechanism';
export { learningRateAt } from './rl/trainer';
export { probeInfoGain, summariseProbe, type ProbeCell, type ProbeOptions, type ProbeSummary, type ProbeTurn } from './analysis/ig-probe';
export { probeRegime, tiedIfAlike, type RegimeCell, type RegimeOptions, type RegimeReport } from './analysis/regime';
// Replication (npm run replicate): profiles, analysis, report, statistics.
export { isReusable, planRuns, PROFILES, REPORT_SEEDS, type PlannedRun, type Profile } from './analysis/replicate-profiles';
export { DEFAULT_COSTS, estimateRun, scheduleMs } from './analysis/replicate-estimate';
export { analyse, difficultySuccess, methodResult, BY_DIFFICULTY, RESULTS_FORMAT, type CurvePoint, type DifficultyProtocol, type Results, type RunData } from './analysis/replicate-analysis';
export { renderByDifficulty, renderReport, ci, sgn } from './analysis/replicate-report';
export { compareLevers, renderLevers, type LeverComparison } from './analysis/replicate-levers';
export { BOOTSTRAP_SEED, mean, median, movingAverage, pairedDifference, quantileSorted, stdUnbiased } from './analysis/stats';
export { AdamW } from './rl/optimizer';
// Measurements for `npm run bench` and the kernel lab:
// The wasm depthwise path for batched products can be switched off to measure what it gains.
export { causalSelfAttention, dense, layerNorm, setDepthwiseProducts, setFusedAttention } from './policy/ops';
export { fusedColumnSum, fusedMatMul, hasWebGpuFusedKernels, setWebGpuFusedOps, webgpuCausalSelfAttention, webgpuDense, webgpuFusedOpsApply, webgpuLayerNorm } from './kernels/fused';
export * as fusedReference from './kernels/fused-reference';
export { benchDecode, benchDivergence, benchMatmulGflops, benchPrefixReuse, benchTrainSteps, benchTrainThroughput, forwardFlops, trainFlopsPerToken, type TrainThroughput, type DecodeTiming, type KernelTiming, type PrefixReuseTiming, type StepTiming } from './runtime/bench';
// Batch scaling of a whole training step (npm run bench): the timing, and its pure parsing and summary.
export { benchBatchSteps } from './runtime/bench';
export { DEFAULT_BATCHES, SLOW_BATCHES, parseBatches, summariseBatchScaling, type BatchRow, type BatchScalingSummary, type BatchTiming } from './runtime/batch-scaling';
export { USER_LM_FAMILIES, USER_LM_NAME, hiddenText, replyPrompt, userLmTrainingSequence, type UserLmSequence } from './user-lm/prompt';
export { lmWritesReply, sampleContinuations, WordLmUser, USER_LM_MAX_REPLY, USER_LM_SAMPLING, type CausalLm, type UserSimulator, type UserTurnRequest } from './user-lm/lm-user';
export { ChatLmUser, USER_LM_CHAT_TEMPLATE, instructionsFor, mapToVocabulary, userChatMessages, type ChatMessage } from './user-lm/chat-user';
export { loadUserSimulator, weightBytes, type UserModelHost } from './user-lm/load';
export { isUserModelSpec, SCRIPTED_USER, userModelSource, type UserModelSource } from './user-lm/source';
export { scriptedRolloutsWithUser, type ScriptedJob } from './rl/scripted';
export { judgeReply, measureFidelity, readReplyFacts, type FamilyFidelity, type FidelityOptions, type ReplyFacts, type ReplyVerdict } from './user-lm/fidelity';
