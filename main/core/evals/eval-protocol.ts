/**
 * What the `eval` job and its worker task say to each other: the items still
 * to score (the cached ones never reach the worker) and, per item, its
 * metrics and per-item results. Kept free of tensor code.
 */
import { z } from 'zod';
import { EvalItemResult, EvalItemKind, MetricValue } from '../../../shared/evals';
import { ModelSource } from '../../../shared/training';

const Tokenization = z.object({
  chatTemplate: z.boolean(),
  maxLength: z.number().int().positive(),
  maxPromptLength: z.number().int().positive(),
});

export const EvalWorkItem = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('preference'),
    label: z.string(),
    snapshotId: z.number().int().positive(),
    split: z.enum(['test', 'train']),
    tokenization: Tokenization,
    beta: z.number().positive(),
  }),
  z.object({
    kind: z.literal('multiple-choice'),
    label: z.string(),
    items: z.array(z.object({ id: z.string(), context: z.string(), choices: z.array(z.string()), gold: z.number() })),
    targetDelimiter: z.string(),
  }),
  z.object({
    kind: z.literal('perplexity'),
    label: z.string(),
    documents: z.array(z.object({ id: z.string(), text: z.string() })),
  }),
]);
export type EvalWorkItem = z.infer<typeof EvalWorkItem>;

export const EvalPayload = z.object({
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
  /** The model: an HF folder, or a run's starting model … */
  model: ModelSource,
  /** … with a LoRA adapter folder (PEFT) attached, for a LoRA run's checkpoint. */
  adapterPath: z.string().nullable(),
  /** The reference model (rewards/*): a run's starting model, or null: then only log-prob metrics. */
  reference: ModelSource.nullable(),
  items: z.array(EvalWorkItem),
});
export type EvalPayload = z.infer<typeof EvalPayload>;

export const EvalWorkResult = z.object({
  kind: EvalItemKind,
  metrics: z.record(z.string(), MetricValue),
  scored: z.number().int(),
  /** Items the scorer refused (an invalid question, a record that is not a pair), with why. */
  invalid: z.array(z.object({ itemId: z.string(), reason: z.string() })),
  items: z.array(EvalItemResult.omit({ seq: true })),
});
export type EvalWorkResult = z.infer<typeof EvalWorkResult>;

/** The worker's return: how many items it scored (each was sent, as it finished, as an `item` event). */
export const EvalTaskResult = z.object({ scored: z.number().int() });
export type EvalTaskResult = z.infer<typeof EvalTaskResult>;

/** Events from the worker: each item's results as soon as it is scored, so a cancelled or crashed job keeps what it finished. */
export type EvalEvents = { item: { index: number; result: EvalWorkResult } };
