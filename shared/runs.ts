import { z } from 'zod';
import { EvalResult } from './evals';
import { JobError, JobStatus } from './jobs';
import { RunConfig } from './training';

/**
 * Training runs and the models they start from. A run is a row that
 * outlives the jobs that execute it: each start or resume is an attempt of
 * the run's job, and the run's status is its job's status.
 */

const Id = z.number().int().positive();

/** A model the launcher can start from: a registered HF folder, the demo model, or a run's export. */
export const ModelEntry = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  origin: z.enum(['folder', 'demo', 'run']),
  /** `model_type` from config.json (llama, qwen2, gpt2). */
  modelType: z.string(),
  parameters: z.number().int().nonnegative(),
  hiddenSize: z.number().int(),
  numLayers: z.number().int(),
  vocabSize: z.number().int(),
  /** Whether the tokenizer has a chat template (the run form's "chat template" default). */
  hasChatTemplate: z.boolean(),
  createdAt: z.number(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** The run form's payload; `config.model` is filled from `modelId`. */
export const RunLaunch = z.object({
  name: z.string().min(1).max(200).optional(),
  snapshotId: Id,
  modelId: Id,
  /** Every RunConfig field except `model` (defaults fill the rest). */
  config: z.record(z.string(), z.unknown()).default({}),
});
export type RunLaunch = z.input<typeof RunLaunch>;

/**
 * The launcher's starting settings for a model (`runs.defaults`): every
 * RunConfig field but the model, which the launch names by id.
 */
const { model: _model, ...runSettings } = RunConfig.shape;
export const RunDefaults = z.object(runSettings);
export type RunDefaults = z.infer<typeof RunDefaults>;

/** A run's status is its job's (`paused`: stopped at a checkpoint when asked to, and can continue). */
export const RunStatus = JobStatus;
export type RunStatus = z.infer<typeof RunStatus>;

/** Statuses from which `runs.resume` continues a run (the UI shows Resume for exactly these). */
export const RESUMABLE_STATUSES: readonly RunStatus[] = ['paused', 'interrupted', 'failed'];

/**
 * Where a run trained elsewhere came from (issue 16, `runs.importTrl`); absent
 * for the studio's own runs.
 */
export const RunImport = z.object({
  origin: z.literal('trl'),
  /** The TRL output folder it was imported from (importing it again updates this run). */
  sourceDir: z.string(),
  /** The snapshot content hash the export's manifest names (null when the folder has no manifest) … */
  snapshotHash: z.string().nullable(),
  /** … and whether a snapshot of this workspace has it (then it is the run's snapshot; else snapshotId is 0). */
  snapshotMatched: z.boolean(),
});
export type RunImport = z.infer<typeof RunImport>;

export const Run = z.object({
  id: Id,
  name: z.string(),
  jobId: z.number().int(),
  /** The job's attempt: each resume starts a new one. Orders two states of a run (renderer: isOlderRun). */
  attempt: z.number().int(),
  status: RunStatus,
  /** Why a queued run waits, in words. */
  queueReason: z.string().nullable(),
  error: JobError.nullable(),
  config: RunConfig,
  modelId: z.number().int().nullable(),
  modelName: z.string(),
  /** sha256 of the starting model's config and weight files (known once the run has started). */
  modelHash: z.string().nullable(),
  snapshotId: z.number().int(),
  snapshotName: z.string(),
  snapshotHash: z.string(),
  datasetName: z.string(),
  trainPairs: z.number().int(),
  testPairs: z.number().int(),
  totalSteps: z.number().int(),
  /** Last step with recorded metrics (0 before the first). */
  step: z.number().int(),
  progressMessage: z.string().nullable(),
  backend: z.string().nullable(),
  appVersion: z.string(),
  /** Folder of checkpoints and the exported model. */
  dir: z.string(),
  /** The latest value of every metric (for lists and headers). */
  latest: z.record(z.string(), z.number()),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** The run this one re-runs, if any. */
  rerunOf: z.number().int().nullable(),
  /** Set for a run imported from a TRL output folder (trained elsewhere). */
  imported: RunImport.optional(),
});
export type Run = z.infer<typeof Run>;

/** One metric value at one step (train metrics use TRL names; eval ones start with `eval/`). */
export const MetricPoint = z.object({ step: z.number().int(), name: z.string(), value: z.number() });
export type MetricPoint = z.infer<typeof MetricPoint>;

/** Evaluation metric names stored with a run's metrics. */
export const EVAL_METRICS = ['eval/reward_accuracy', 'eval/logp_accuracy', 'eval/reward_margin', 'eval/logp_margin', 'eval/loss'] as const;

/** Columns for charts: every step that has a value, per metric. */
export const MetricSeries = z.record(z.string(), z.object({ steps: z.array(z.number()), values: z.array(z.number()) }));
export type MetricSeries = z.infer<typeof MetricSeries>;

export const CheckpointEntry = z.object({
  step: z.number().int(),
  epoch: z.number(),
  path: z.string(),
  bytes: z.number().int(),
  createdAt: z.number(),
});
export type CheckpointEntry = z.infer<typeof CheckpointEntry>;

/** What the launcher shows before a run starts. */
export const RunEstimate = z.object({
  /** Validation problems, by field path ("optimizer.lr"); empty when the run can start. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  trainPairs: z.number().int(),
  testPairs: z.number().int(),
  effectiveBatch: z.number().int(),
  stepsPerEpoch: z.number().int(),
  totalSteps: z.number().int(),
  memoryBytes: z.number(),
  /** Null when it fits; else why not and what to change. */
  memoryProblem: z.string().nullable(),
  /** Rough seconds per epoch from earlier runs of this model here, or from a FLOP count; null if unknown. */
  secondsPerEpoch: z.number().nullable(),
  /** The range the time per epoch is likely to fall in: narrow when measured here, wide for a FLOP count. */
  secondsPerEpochRange: z.tuple([z.number(), z.number()]).nullable(),
  /** How the time was estimated, in words. */
  timeBasis: z.string(),
  /** Whether the run needs reference log-probs and whether they are cached already. */
  needsReference: z.boolean(),
  referenceCached: z.boolean(),
});
export type RunEstimate = z.infer<typeof RunEstimate>;

/** A diagnostic the run page shows in plain words. */
export const RunDiagnostic = z.object({
  level: z.enum(['info', 'warn', 'error']),
  code: z.string(),
  message: z.string(),
  step: z.number().int().nullable(),
});
export type RunDiagnostic = z.infer<typeof RunDiagnostic>;

/**
 * A run's evaluation at one step (`runs.evals`): one `eval` job of the run's
 * starting model (step 0) or a checkpoint on a suite, queued by the run's
 * `evalSuite` setting or started by hand, with the results it has stored so
 * far (every item once the job has succeeded, those finished before a
 * cancel otherwise).
 */
export const RunEvalPoint = z.object({
  step: z.number().int(),
  suite: z.string(),
  jobId: Id,
  status: JobStatus,
  error: JobError.nullable(),
  results: z.array(EvalResult),
});
export type RunEvalPoint = z.infer<typeof RunEvalPoint>;
