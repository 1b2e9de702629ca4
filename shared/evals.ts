import { z } from 'zod';

/**
 * Evaluation (issue 14): suites of items, the `eval` job's parameters and
 * what it stores — one result per (model content hash, item data hash,
 * settings hash), reused whenever the same model meets the same data with
 * the same settings. Definitions of the numbers: README, "Evaluation".
 */

const Id = z.number().int().positive();

export const EvalItemKind = z.enum(['preference', 'multiple-choice', 'perplexity', 'win-rate']);
export type EvalItemKind = z.infer<typeof EvalItemKind>;

/** The model to evaluate: a registered model (the demo, a folder, every finished run's export) or a run's checkpoint. */
export const EvalModelRef = z.union([
  z.object({ modelId: Id }).strict(),
  z.object({ runId: Id, step: z.number().int().nonnegative() }).strict(),
]);
export type EvalModelRef = z.infer<typeof EvalModelRef>;

// --- Win rate against a baseline (issue 14 items 4 and 6) ---------------------------------------

/**
 * The fixed sampling of a win-rate item's generations. Each prompt is
 * generated on its own with a seed mixed from `seed` and the prompt's hash,
 * so a generation never depends on which other prompts were generated with it
 * and is cached by (model hash, prompt hash, settings hash).
 */
export const GenerationSampling = z.object({
  /** 0 is greedy. */
  temperature: z.number().min(0).max(5).default(0.7),
  topP: z.number().gt(0).max(1).default(0.9),
  /** 0 keeps every token. */
  topK: z.number().int().min(0).default(0),
  maxTokens: z.number().int().min(1).max(4096).default(128),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});
export type GenerationSampling = z.infer<typeof GenerationSampling>;

/**
 * The default pairwise judge prompt: {instruction}, {response_a} and
 * {response_b} are filled in; the verdict is whichever of " A" and " B" the
 * judge model gives the higher log-probability as the next tokens.
 */
export const DEFAULT_JUDGE_TEMPLATE = [
  'Which response follows the instruction better?',
  '',
  'Instruction: {instruction}',
  '',
  'Response A: {response_a}',
  '',
  'Response B: {response_b}',
  '',
  'Answer "A" or "B".',
  'Answer:',
].join('\n');

/** Bootstrap resamples, seed and level of a win rate's reported interval (over prompts). */
export const WIN_RATE_BOOTSTRAP = { rounds: 1000, seed: 0, level: 0.95 } as const;

/** The placeholders a judge template must hold. */
export const JUDGE_TEMPLATE_FIELDS = ['{instruction}', '{response_a}', '{response_b}'] as const;

/** Why a judge template cannot be used (the placeholders it lacks), or null. */
export function judgeTemplateProblem(template: string): string | null {
  const missing = JUDGE_TEMPLATE_FIELDS.filter((f) => !template.includes(f));
  return missing.length === 0 ? null : `The judge template lacks ${missing.join(', ')} (it needs ${JUDGE_TEMPLATE_FIELDS.join(', ')}).`;
}

/** Fills a judge template: the instruction and the two responses in the order shown. */
export function fillJudgeTemplate(template: string, instruction: string, responseA: string, responseB: string): string {
  // One pass, so a response that happens to contain "{response_b}" is not filled in again.
  return template.replace(/\{(instruction|response_a|response_b)\}/g, (_, field: string) =>
    field === 'instruction' ? instruction : field === 'response_a' ? responseA : responseB,
  );
}

/** Who judges a win-rate item: the demo's rule checker (each prompt's meta.rule), or a local model as a pairwise judge. */
export const WinRateJudge = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rules') }),
  z.object({ kind: z.literal('model'), model: EvalModelRef, template: z.string().min(1).optional() }),
]);
export type WinRateJudge = z.infer<typeof WinRateJudge>;

/** Where a win-rate item's prompts come from: a snapshot's split (each record's prompt and meta) or a JSONL file of {prompt, meta?}. */
export const WinRatePrompts = z.union([
  z.object({ snapshotId: Id, split: z.enum(['test', 'train']).default('test') }).strict(),
  z.object({ path: z.string().min(1) }).strict(),
]);
export type WinRatePrompts = z.infer<typeof WinRatePrompts>;

const WinRateItem = z.object({
  kind: z.literal('win-rate'),
  prompts: WinRatePrompts,
  /** The model to beat; by default the evaluated model's base (a run checkpoint's starting model). */
  baseline: EvalModelRef.optional(),
  judge: WinRateJudge.default({ kind: 'rules' }),
  sampling: GenerationSampling.default(GenerationSampling.parse({})),
});

/** One item of a suite, as written: its data source (hashed when the suite is resolved). */
export const SuiteItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('preference'), snapshotId: Id, split: z.enum(['test', 'train']).default('test') }),
  z.object({ kind: z.literal('multiple-choice'), taskPath: z.string().min(1) }),
  z.object({ kind: z.literal('perplexity'), textPath: z.string().min(1) }),
  WinRateItem,
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
      /** A win-rate item scored now: the responses generated in this job and those reused from the generations cache, per side. */
      generations: z
        .object({
          candidate: z.object({ generated: z.number().int(), reused: z.number().int() }),
          baseline: z.object({ generated: z.number().int(), reused: z.number().int() }),
        })
        .optional(),
    }),
  ),
  /** Items the worker scored in this job (0 when every one came from the cache). */
  scored: z.number().int(),
  /** Items that could not be evaluated for this model, with why (a win-rate item with no baseline to compare with). */
  skipped: z.array(z.object({ kind: EvalItemKind, label: z.string(), reason: z.string() })).default([]),
});
export type EvalJobResult = z.infer<typeof EvalJobResult>;

/** Metric keys with a standard error, by kind: `name` → `name_stderr`. */
export const METRICS_WITH_STDERR = ['acc', 'acc_norm'] as const;
