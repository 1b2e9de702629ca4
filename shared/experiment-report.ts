/**
 * The paper in miniature (issue 19): what an experiment's runs measured
 * (`experiments.results` returns exactly `ExperimentResults`), and the pure
 * functions that turn it into the report — per (objective, β) aggregates over
 * seeds, the spread of win rate across β, the capability drop from the base
 * model, a verdict per claim of the MMPO paper (../shared/mmpo-spec.md,
 * "Headline results"), a Markdown table and an SVG figure. No DOM and no
 * Node APIs: the experiment page, `studio sweep` and `npm run bench --
 * replicate` all print the same numbers.
 */
import { z } from 'zod';
import { JobStatus } from './jobs';

const Id = z.number().int().positive();

/**
 * A measured value with its 95% interval and the number of items behind it.
 * Win rate: the stored bootstrap interval over prompts; accuracies: Wilson's
 * interval from the value and n (`proportionReading`); perplexity: no
 * interval (null). All proportions are fractions (0–1), as stored.
 */
export const Reading = z.object({
  value: z.number(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Prompts, pairs, questions or documents scored; null where unknown. */
  n: z.number().int().nullable(),
});
export type Reading = z.infer<typeof Reading>;

/** What one evaluation (the base model, or a run at a step) measured; null where not evaluated or undefined. */
export const ExperimentMeasures = z.object({
  /** Judge win rate against the base model (0–1, ties half). The base model is 0.5 against itself by construction. */
  winRate: Reading.nullable(),
  /** Held-out preference accuracy (`logps/accuracies`, 0–1). */
  preferenceAccuracy: Reading.nullable(),
  /** Multiple-choice accuracy of the capability task (acc_norm where present, else acc; 0–1). */
  mcAccuracy: Reading.nullable(),
  /** Held-out perplexity (lower is better). */
  perplexity: Reading.nullable(),
});
export type ExperimentMeasures = z.infer<typeof ExperimentMeasures>;

export const ExperimentCheckpoint = ExperimentMeasures.extend({
  /** 0 is the starting model (the base), evaluated by the run itself. */
  step: z.number().int().nonnegative(),
});
export type ExperimentCheckpoint = z.infer<typeof ExperimentCheckpoint>;

/** A grid cell's run: `pending` before its run exists (queued behind others or the experiment paused), else its run's status. */
export const ExperimentRunStatus = z.enum(['pending', ...JobStatus.options]);
export type ExperimentRunStatus = z.infer<typeof ExperimentRunStatus>;

export const ExperimentRunResult = z.object({
  /** Null while `pending`. */
  runId: Id.nullable(),
  objective: z.string(),
  beta: z.number(),
  seed: z.number().int(),
  status: ExperimentRunStatus,
  /** The step the run trains to, so a report can tell a final checkpoint from an intermediate one. */
  maxSteps: z.number().int().positive(),
  /** Every evaluated checkpoint, any order (the report sorts by step). */
  checkpoints: z.array(ExperimentCheckpoint),
});
export type ExperimentRunResult = z.infer<typeof ExperimentRunResult>;

export const ExperimentResults = z.object({
  experimentId: Id,
  name: z.string(),
  /** The base (starting and reference) model, and what it measured: the capability baseline each drop is taken from. */
  base: z.object({ name: z.string(), measures: ExperimentMeasures }),
  runs: z.array(ExperimentRunResult),
});
export type ExperimentResults = z.infer<typeof ExperimentResults>;

/**
 * A proportion's reading with Wilson's 95% score interval (good at small n
 * and near 0 or 1, where value ± 1.96·stderr leaves [0, 1]). For accuracies
 * stored without an interval (preference accuracy, MC accuracy's stderr only).
 */
export function proportionReading(value: number, n: number): Reading {
  if (!(n > 0)) return { value, low: null, high: null, n: n > 0 ? n : null };
  const z = 1.959963984540054;
  const denom = 1 + (z * z) / n;
  const centre = (value + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((value * (1 - value)) / n + (z * z) / (4 * n * n))) / denom;
  return { value, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
}
