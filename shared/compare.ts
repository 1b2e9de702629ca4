import { z } from 'zod';
import type { MetricSeries } from './runs';

/**
 * Comparing runs (issue 15): what the Compare page reads besides runs.list —
 * several runs' metric columns in one call, each run's best and final held-out
 * numbers, and what changed between two runs' dataset snapshots.
 */

/** Steps first, first + stride, … (count of them). */
export const StepRange = z.object({
  first: z.number().int(),
  stride: z.number().int().positive(),
  count: z.number().int().nonnegative(),
});
/** Steps as their range where evenly spaced, else as Int32 in base64. */
export const PackedSteps = z.union([z.string(), StepRange]);
export type PackedSteps = z.infer<typeof PackedSteps>;

/**
 * One run's metric columns, packed: 50 runs × 5 metrics × 2,000 steps are a
 * million numbers, some 20 MB as JSON numbers (each a step and a 17-digit
 * value) that the server validates and writes and the page parses; as
 * binary in base64 they are under 4 MB of strings. Steps are Int32, values
 * Float32 (7 significant digits, more than a chart or its readout shows;
 * runs.metrics keeps the exact values), both little-endian as every
 * platform the studio runs on. `steps` are the steps at which any of the
 * named metrics was logged; a column logged at only some of them (held-out
 * metrics) carries its own. Evenly spaced steps — the usual case: a value
 * every step, or every N for held-out metrics — go as their range (first,
 * stride, count) rather than as a list: half the bytes of a column.
 */
export const PackedRunMetrics = z.object({
  runId: z.number().int(),
  steps: PackedSteps,
  columns: z.record(z.string(), z.object({ steps: PackedSteps.optional(), values: z.string() })),
});
export type PackedRunMetrics = z.infer<typeof PackedRunMetrics>;

/** Steps packed: their range where they are evenly spaced (and increasing), else Int32 in base64 (`base64` is the platform's encoder). */
export function packSteps(steps: readonly number[], base64: (array: Int32Array) => string): PackedSteps {
  if (steps.length === 0) return { first: 0, stride: 1, count: 0 };
  const stride = steps.length > 1 ? steps[1]! - steps[0]! : 1;
  const even = stride > 0 && steps.every((step, i) => step === steps[0]! + i * stride);
  return even ? { first: steps[0]!, stride, count: steps.length } : base64(Int32Array.from(steps));
}

function unpackSteps(steps: PackedSteps): number[] {
  if (typeof steps === 'string') return toNumbers(new Int32Array(fromBase64(steps).buffer));
  const { first, stride, count } = steps;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = first + i * stride;
  return out;
}

/** Metric columns of several runs, packed (decodeRunMetrics unpacks them), in the order asked for. */
export const RunsMetricSeries = z.array(PackedRunMetrics);
export type RunsMetricSeries = z.infer<typeof RunsMetricSeries>;

/** A typed array's numbers as a plain array: an indexed loop, several times faster than Array.from's iterator. */
function toNumbers(typed: Int32Array | Float32Array): number[] {
  const out = new Array<number>(typed.length);
  for (let i = 0; i < typed.length; i++) out[i] = typed[i]!;
  return out;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A packed run's columns as MetricSeries. Columns logged at every step share
 * one steps array (the same object), which the page's charts recognise and
 * do not copy or merge.
 */
export function decodeRunMetrics(packed: PackedRunMetrics): MetricSeries {
  const shared = unpackSteps(packed.steps);
  const out: MetricSeries = {};
  for (const [name, column] of Object.entries(packed.columns)) {
    out[name] = {
      steps: column.steps === undefined ? shared : unpackSteps(column.steps),
      values: toNumbers(new Float32Array(fromBase64(column.values).buffer)),
    };
  }
  return out;
}

/** Whether a larger value of a metric is better: losses are lower-is-better, accuracies and margins higher. */
export function higherIsBetter(metric: string): boolean {
  return !/loss/.test(metric);
}

/** One held-out metric of one run: its last value and its best (highest, or lowest for a loss) with the step it was reached at. */
export const EvalMetricSummary = z.object({
  final: z.number(),
  finalStep: z.number().int(),
  best: z.number(),
  bestStep: z.number().int(),
});
export type EvalMetricSummary = z.infer<typeof EvalMetricSummary>;

export const RunEvalSummary = z.object({
  runId: z.number().int(),
  /** By metric name (`eval/logp_accuracy`, `eval/loss`, …). */
  metrics: z.record(z.string(), EvalMetricSummary),
});
export type RunEvalSummary = z.infer<typeof RunEvalSummary>;

/** A record of a snapshot as a diff shows it. */
export const DiffRecord = z.object({
  /** Position in its snapshot (0-based). */
  ordinal: z.number().int(),
  /** The dataset record it was frozen from (null if that record was deleted since, or never had one). */
  recordId: z.number().int().nullable(),
  /** SHA-256 of what training sees (kind, system, prompt, sides): the records table's content hash. */
  contentHash: z.string(),
  split: z.enum(['train', 'test']).nullable(),
  /** The prompt's text, cut to 200 characters. */
  prompt: z.string(),
});
export type DiffRecord = z.infer<typeof DiffRecord>;

export const DiffChange = z.object({
  a: DiffRecord,
  b: DiffRecord,
  /** What differs: kind, system, prompt, chosen, rejected, responses, split. */
  fields: z.array(z.string()),
});
export type DiffChange = z.infer<typeof DiffChange>;

export const SnapshotSide = z.object({ id: z.number().int(), name: z.string(), contentHash: z.string(), records: z.number().int() });

/**
 * What changed from snapshot `a` to snapshot `b`, record by record. Two
 * records are the same when their content hash and split are equal (counted
 * with multiplicity). Of the rest, a record of `a` and one of `b` frozen from
 * the same dataset record — or, failing that, with the same prompt — are one
 * record *changed*; what is left of `a` was *removed*, of `b` *added*.
 */
export const SnapshotDiff = z.object({
  a: SnapshotSide,
  b: SnapshotSide,
  identical: z.boolean(),
  unchanged: z.number().int(),
  added: z.number().int(),
  removed: z.number().int(),
  changed: z.number().int(),
  /** The first records of each kind (up to DIFF_SAMPLES each), in snapshot order. */
  samples: z.object({ added: z.array(DiffRecord), removed: z.array(DiffRecord), changed: z.array(DiffChange) }),
});
export type SnapshotDiff = z.infer<typeof SnapshotDiff>;

/** Records kept per kind in a diff's samples. */
export const DIFF_SAMPLES = 20;
