import { z } from 'zod';
import { ObjectiveConfig, PRESETS } from './objectives';
import { LORA_SETTINGS, OPTIMIZER_SETTINGS, RUN_SETTINGS, SCHEDULE_SETTINGS, settingsShape } from './run-settings';

/**
 * The typed configuration saved with every training run. Defaults follow the
 * paper's setup (../shared/mmpo-spec.md, "experimental setup") scaled down for
 * small models on a CPU: AdamW lr 5e-4, cosine schedule with 10% warmup, seed
 * 42, one checkpoint per epoch — but an effective batch of 16 instead of 128
 * and sequences of 512 instead of 2312 tokens. Each setting's label, help,
 * bounds and default are described once in run-settings.ts; the schemas here
 * are derived from those descriptions.
 */

/** Where the starting model (also the reference model) comes from. */
export const ModelSource = z.discriminatedUnion('kind', [
  /** A Hugging Face folder (config.json, safetensors, tokenizer files). */
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }),
  /**
   * A small randomly initialised model (demo, tests): the architecture spec plus
   * the folder whose tokenizer it uses; the vocabulary size is the tokenizer's.
   */
  z.object({
    kind: z.literal('spec'),
    modelType: z.enum(['llama', 'qwen2', 'gpt2']).default('llama'),
    hiddenSize: z.number().int().positive(),
    numLayers: z.number().int().positive(),
    numHeads: z.number().int().positive(),
    numKvHeads: z.number().int().positive().optional(),
    intermediateSize: z.number().int().positive().optional(),
    tokenizerDir: z.string().min(1),
    /** Seed of the random initialisation. */
    initSeed: z.number().int().default(0),
  }),
]);
export type ModelSource = z.infer<typeof ModelSource>;

export const OptimizerConfig = z.object(settingsShape(OPTIMIZER_SETTINGS));
export type OptimizerConfig = z.infer<typeof OptimizerConfig>;

export const ScheduleConfig = z.object(settingsShape(SCHEDULE_SETTINGS));
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const LoraSettings = z.object(settingsShape(LORA_SETTINGS));
export type LoraSettings = z.infer<typeof LoraSettings>;

const run = settingsShape(RUN_SETTINGS);
/** Fields in the order configs have always been stored and shown in. */
export const RunConfig = z
  .object({
    model: ModelSource,
    /** Training objective with all its switches (default: the `mmpo` preset). */
    objective: ObjectiveConfig.default(PRESETS.mmpo),
    optimizer: OptimizerConfig.prefault({}),
    schedule: ScheduleConfig.prefault({}),
    microBatchSize: run.microBatchSize,
    gradAccumulation: run.gradAccumulation,
    maxGradNorm: run.maxGradNorm,
    maxLength: run.maxLength,
    maxPromptLength: run.maxPromptLength,
    epochs: run.epochs,
    maxSteps: run.maxSteps,
    seed: run.seed,
    evalEvery: run.evalEvery,
    checkpointEvery: run.checkpointEvery,
    checkpointEachEpoch: run.checkpointEachEpoch,
    keepCheckpoints: run.keepCheckpoints,
    /** null = full fine-tuning; otherwise only LoRA adapters train. */
    lora: LoraSettings.nullable().default(null),
    chatTemplate: run.chatTemplate,
    /** A suite evaluated at step 0 and at each scheduled checkpoint (main/core/runs/run-evals.ts); null = none. */
    evalSuite: run.evalSuite,
  })
  .refine((c) => c.maxPromptLength < c.maxLength, { message: 'maxPromptLength must be below maxLength', path: ['maxPromptLength'] });
export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;

/** Pairs per optimizer step (what the run form shows next to the two factors). */
export function effectiveBatchSize(config: Pick<RunConfig, 'microBatchSize' | 'gradAccumulation'>): number {
  return config.microBatchSize * config.gradAccumulation;
}

/** Optimizer steps in one epoch of `pairCount` pairs: steps never straddle an epoch boundary. */
export function stepsPerEpoch(pairCount: number, config: Pick<RunConfig, 'microBatchSize' | 'gradAccumulation'>): number {
  return Math.ceil(Math.ceil(pairCount / config.microBatchSize) / config.gradAccumulation);
}

/** Optimizer steps of the whole run. */
export function totalSteps(
  pairCount: number,
  config: Pick<RunConfig, 'microBatchSize' | 'gradAccumulation' | 'epochs' | 'maxSteps'>,
): number {
  return config.maxSteps ?? config.epochs * stepsPerEpoch(pairCount, config);
}

/** Metric names every step record carries (TRL names, mmpo-spec.md "Metrics to log"). */
export const STEP_METRICS = [
  'loss',
  'rewards/chosen',
  'rewards/rejected',
  'rewards/accuracies',
  'rewards/margins',
  'logps/chosen',
  'logps/rejected',
  'logits/chosen',
  'logits/rejected',
  'mmpo/weight_chosen',
  'entropy_objective',
  'grad_norm',
  'learning_rate',
  'tokens_per_second',
  /** Wall-clock seconds since the previous step ended: the step plus any evaluation and checkpoint after the one before. */
  'step_seconds',
  'epoch',
  'step',
] as const;

/**
 * Steps left out of time estimates: the first steps of a worker compile
 * kernels and fill caches (the demo's first step takes several times a later one).
 */
export const ETA_WARMUP_STEPS = 3;

/** Seconds left with a range, as the run page, `studio train` and the launcher show it. */
export interface TimeLeft {
  seconds: number;
  low: number;
  high: number;
}

/** When a run evaluates and checkpoints (RunConfig's fields and the counts they depend on). */
export interface RunSchedule {
  totalSteps: number;
  stepsPerEpoch: number;
  evalEvery: number;
  checkpointEvery: number;
  checkpointEachEpoch: boolean;
  /** Whether there are held-out pairs to evaluate. */
  evaluates: boolean;
}

export function runSchedule(
  config: Pick<RunConfig, 'evalEvery' | 'checkpointEvery' | 'checkpointEachEpoch'>,
  counts: { totalSteps: number; stepsPerEpoch: number; testPairs: number },
): RunSchedule {
  return {
    ...counts,
    evalEvery: config.evalEvery,
    checkpointEvery: config.checkpointEvery,
    checkpointEachEpoch: config.checkpointEachEpoch,
    evaluates: counts.testPairs > 0,
  };
}

/** What follows step n besides the next step, as the trainer decides it (trainer.ts evalDue, checkpointDue). */
export function workAfterStep(n: number, s: RunSchedule): { evaluation: boolean; checkpoint: boolean } {
  const last = n >= s.totalSteps;
  return {
    evaluation: s.evaluates && ((s.evalEvery > 0 && n % s.evalEvery === 0) || last),
    checkpoint:
      (s.checkpointEvery > 0 && n % s.checkpointEvery === 0) ||
      (s.checkpointEachEpoch && s.stepsPerEpoch > 0 && n % s.stepsPerEpoch === 0) ||
      last,
  };
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Time left to the end of a run (its last step, evaluation, checkpoint and
 * export) from the measured wall-clock durations of this attempt's steps,
 * `step_seconds` (stepSeconds[i] is step firstStep + i; each carries the
 * evaluation and checkpoint after the step before it). The first
 * ETA_WARMUP_STEPS durations are left out. A step, an evaluation and a
 * checkpoint are priced separately — evaluations every N steps would
 * otherwise skew a short window's mean — and multiplied by what the schedule
 * still holds. Work not measured yet is priced as one step. The range spans the
 * mean step time of the whole measured stretch and of its recent third (the
 * machine's load changes), widened by 10% below and 20% above. Null while warming up.
 */
export function timeLeft(stepSeconds: readonly number[], firstStep: number, schedule: RunSchedule): TimeLeft | null {
  const plain: number[] = [];
  const withEvaluation: number[] = [];
  const withCheckpoint: number[] = [];
  stepSeconds.forEach((seconds, i) => {
    if (i < Math.max(1, ETA_WARMUP_STEPS) || !Number.isFinite(seconds) || seconds < 0) return;
    const after = workAfterStep(firstStep + i - 1, schedule);
    if (after.evaluation && after.checkpoint) return;
    (after.evaluation ? withEvaluation : after.checkpoint ? withCheckpoint : plain).push(seconds);
  });
  if (plain.length < 2) return null;
  const lastStep = firstStep + stepSeconds.length - 1;
  const stepsLeft = Math.max(0, schedule.totalSteps - lastStep);
  const step = meanOf(plain);
  const recent = meanOf(plain.slice(-Math.max(2, Math.ceil(plain.length / 3))));
  const evaluation = withEvaluation.length ? Math.max(0, meanOf(withEvaluation) - step) : step;
  const checkpoint = withCheckpoint.length ? Math.max(0, meanOf(withCheckpoint) - step) : step;
  // Work still due after the last measured step (whose own evaluation and checkpoint are still ahead), and the export.
  let extra = checkpoint;
  for (let n = lastStep; n <= schedule.totalSteps; n++) {
    const after = workAfterStep(n, schedule);
    extra += (after.evaluation ? evaluation : 0) + (after.checkpoint ? checkpoint : 0);
  }
  return {
    seconds: step * stepsLeft + extra,
    low: (Math.min(step, recent) * stepsLeft + extra) * 0.9,
    high: (Math.max(step, recent) * stepsLeft + extra) * 1.2,
  };
}

/** "45 s", "3 min 20 s", "1 h 05 min": durations for progress lines. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** "about 25 s left (22–31 s)", or what is being waited for. */
export function describeTimeLeft(left: TimeLeft | null): string {
  if (!left) return 'measuring the step time…';
  return `about ${formatSeconds(left.seconds)} left (${formatSeconds(left.low)}–${formatSeconds(left.high)})`;
}

/** One optimizer step's record. `metrics` holds the names above that apply to the objective. */
export interface StepRecord {
  step: number;
  /** Fractional epoch: completed epochs + share of the current one. */
  epoch: number;
  metrics: Record<string, number>;
  /** MMPO only: w_w of every pair in the step (M4), for the distribution plot. */
  weightChosen: number[] | null;
}

/** Evaluation on held-out pairs. */
export interface EvalRecord {
  step: number;
  pairs: number;
  /** Share of pairs whose objective reward of the chosen side is higher (null for SFT). */
  rewardAccuracy: number | null;
  /** Share of pairs with ℓθ(y_w|x) > ℓθ(y_l|x). */
  logpAccuracy: number;
  /** Mean objective reward margin (null for SFT) and mean raw log-prob margin. */
  rewardMargin: number | null;
  logpMargin: number;
  loss: number;
}
