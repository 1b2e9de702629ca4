/**
 * Public API of the trainer library (transport-free: no database, UI or
 * processes). See README.md in this folder.
 */
export { Trainer, NonFiniteError } from './trainer';
export type { TrainerInit } from './trainer';
export { computeObjective, entropyObjective, inBatchNormalise, stopGradient } from './objectives';
export type { ObjectiveInputs, ObjectiveResult, SideStats } from './objectives';
export { AdamW, clipByGlobalNorm } from './optimizer';
export type { OptimizerState } from './optimizer';
export { lrAt, warmupSteps } from './schedule';
export { buildPairs, epochOrder, PairLoader } from './data';
export type { BuiltPairs, DataPosition, TokenizationSettings, TokenizedPair } from './data';
export { computeReferenceLogps, loadOrCompute, referenceCacheKey, referenceMatches } from './reference';
export type {
  CachedReference,
  ReferenceCacheOptions,
  ReferenceKeyParts,
  ReferenceLogps,
  ReferenceOptions,
  ReferenceSet,
} from './reference';
export {
  checkpointName,
  describeCheckpoints,
  hashPairs,
  latestValidCheckpoint,
  listCheckpoints,
  loadCheckpointWeights,
  pruneCheckpoints,
  readOptimizerState,
  readTrainerState,
  saveTrainerCheckpoint,
  verifyCheckpoint,
  writeCheckpoint,
  MANIFEST,
} from './checkpoint';
export type { TrainerCheckpoint, TrainerState, Verification } from './checkpoint';
export { removeStaleTemps } from './temp-files';
export { loadStartingModel } from './source';
export { pretrain, tokenizeForPretraining } from './pretrain';
export type { PretrainOptions, PretrainResult } from './pretrain';
export { judgeResponse, JUDGE_RULES } from './demo/judge';
export type { JudgeMeta, JudgeVerdict } from './demo/judge';
export { readDemoPairs, demoRecord } from './demo/records';
export type { DemoPair } from './demo/records';
