import { z } from 'zod';

/**
 * Evaluation (issue 14): suites of items, the `eval` job's parameters and
 * what it stores — one result per (model content hash, item data hash,
 * settings hash), reused whenever the same model meets the same data with
 * the same settings. Definitions of the numbers: README, "Evaluation".
 */

const Id = z.number().int().positive();

export const EvalItemKind = z.enum(['preference', 'multiple-choice', 'perplexity']);
export type EvalItemKind = z.infer<typeof EvalItemKind>;

/** One item of a suite, as written: its data source (hashed when the suite is resolved). */
export const SuiteItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('preference'), snapshotId: Id, split: z.enum(['test', 'train']).default('test') }),
  z.object({ kind: z.literal('multiple-choice'), taskPath: z.string().min(1) }),
  z.object({ kind: z.literal('perplexity'), textPath: z.string().min(1) }),
]);
export type SuiteItem = z.infer<typeof SuiteItem>;

/** A named, versioned list of items. */
export const Suite = z.object({
  name: z.string(),
  version: z.number().int(),
  description: z.string(),
  items: z.array(SuiteItem),
});
export type Suite = z.infer<typeof Suite>;

/** The model to evaluate: a registered model (the demo, a folder, every finished run's export) or a run's checkpoint. */
export const EvalModelRef = z.union([
  z.object({ modelId: Id }).strict(),
  z.object({ runId: Id, step: z.number().int().nonnegative() }).strict(),
]);
export type EvalModelRef = z.infer<typeof EvalModelRef>;

/** Scoring settings; what is not given comes from the model (its launcher defaults, its positions). */
export const EvalSettingsInput = z.object({
  /** Preference items: the chat template and length limits training uses. */
  chatTemplate: z.boolean().optional(),
  maxLength: z.number().int().positive().optional(),
  maxPromptLength: z.number().int().positive().optional(),
  /** β of the implicit reward (with a reference model). */
  beta: z.number().positive().optional(),
});
export type EvalSettingsInput = z.infer<typeof EvalSettingsInput>;

export const EvalParams = z.object({
  model: EvalModelRef,
  /** A suite by name (`evals.suites`) or a list of items. */
  suite: z.union([z.string().min(1), z.object({ name: z.string().optional(), items: z.array(SuiteItem).min(1) })]),
  settings: EvalSettingsInput.default({}),
});
export type EvalParams = z.input<typeof EvalParams>;

/** A metric value: null where it is undefined (no items, a zero denominator). */
export const MetricValue = z.number().nullable();

/** A file problem (a bad row left out), as the task-file readers report it. */
export const EvalProblem = z.object({
  line: z.number().int().optional(),
  row: z.number().int().optional(),
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  reason: z.string(),
});
export type EvalProblem = z.infer<typeof EvalProblem>;

export const EvalResult = z.object({
  id: Id,
  kind: EvalItemKind,
  /** What was evaluated, in words ("mc.jsonl", "Demo: rule following / demo v1 (test)"). */
  label: z.string(),
  modelHash: z.string(),
  dataHash: z.string(),
  settingsHash: z.string(),
  modelId: Id.nullable(),
  modelName: z.string(),
  runId: Id.nullable(),
  runStep: z.number().int().nullable(),
  settings: z.record(z.string(), z.unknown()),
  /** Flat metrics (acc, acc_stderr, perplexity, logps/accuracies, …). */
  metrics: z.record(z.string(), MetricValue),
  /** Counts and problems: items scored, invalid or skipped, and why. */
  summary: z.object({
    scored: z.number().int(),
    invalid: z.number().int(),
    problems: z.array(EvalProblem),
  }),
  jobId: Id.nullable(),
  createdAt: z.number(),
});
export type EvalResult = z.infer<typeof EvalResult>;

/** One question, pair or document of a result. */
export const EvalItemResult = z.object({
  seq: z.number().int(),
  itemId: z.string(),
  /** Right or wrong (acc, logp accuracy); null where it does not apply (perplexity, an invalid item). */
  correct: z.boolean().nullable(),
  /** Log-likelihoods, margins, counts. */
  detail: z.record(z.string(), z.unknown()),
});
export type EvalItemResult = z.infer<typeof EvalItemResult>;

/** The `eval` job's result: one entry per suite item, served from the cache or scored now. */
export const EvalJobResult = z.object({
  suite: z.string(),
  modelName: z.string(),
  modelHash: z.string(),
  items: z.array(
    z.object({
      kind: EvalItemKind,
      label: z.string(),
      resultId: Id,
      cached: z.boolean(),
      metrics: z.record(z.string(), MetricValue),
    }),
  ),
  /** Items the worker scored in this job (0 when every one came from the cache). */
  scored: z.number().int(),
});
export type EvalJobResult = z.infer<typeof EvalJobResult>;

/** Metric keys with a standard error, by kind: `name` → `name_stderr`. */
export const METRICS_WITH_STDERR = ['acc', 'acc_norm'] as const;
