/**
 * What the `eval` job and its worker task say to each other: the items still
 * to score (the cached ones never reach the worker) and, per item, its
 * metrics and per-item results. Kept free of tensor code.
 */
import { z } from 'zod';
import { EvalItemResult, EvalItemKind, EvalJobResult, GenerationSampling, MetricValue, WinRatePrompts } from '../../../shared/evals';
import type { FinishReason } from '../../engine/generate';
import { ModelSource } from '../../../shared/training';

const Tokenization = z.object({
  chatTemplate: z.boolean(),
  maxLength: z.number().int().positive(),
  maxPromptLength: z.number().int().positive(),
});

/** One side's generations of a win-rate item: where they are cached (model hash, settings hash) and how prompts are wrapped. */
const GenerationSide = z.object({
  modelHash: z.string(),
  settingsHash: z.string(),
  chat: z.boolean(),
});

/** A win-rate item: the prompts, the fixed sampling, the two sides (the candidate is the payload's model) and the judge. */
const WinRateWorkItem = z.object({
  kind: z.literal('win-rate'),
  label: z.string(),
  prompts: WinRatePrompts,
  sampling: GenerationSampling,
  candidate: GenerationSide,
  baseline: GenerationSide.extend({ source: ModelSource, adapter: z.string().nullable(), name: z.string() }),
  judge: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rules') }),
    z.object({ kind: z.literal('model'), source: ModelSource, adapter: z.string().nullable(), name: z.string(), template: z.string() }),
  ]),
});
export type WinRateWorkItem = z.infer<typeof WinRateWorkItem>;

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
  WinRateWorkItem,
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
  /** A win-rate item: responses generated now and reused from the generations cache, per side. */
  generations: EvalJobResult.shape.items.element.shape.generations,
});
export type EvalWorkResult = z.infer<typeof EvalWorkResult>;

/** The worker's return: how many items it scored (each was sent, as it finished, as an `item` event). */
export const EvalTaskResult = z.object({ scored: z.number().int() });
export type EvalTaskResult = z.infer<typeof EvalTaskResult>;

/** Events from the worker: each item's results as soon as it is scored, so a cancelled or crashed job keeps what it finished. */
export type EvalEvents = {
  item: { index: number; result: EvalWorkResult };
  /** A response a win-rate item generated, sent before the item's result so the job stores it at once. */
  generation: GenerationEvent;
};

export interface GenerationEvent {
  /** The item (in the payload's items). */
  index: number;
  side: 'candidate' | 'baseline';
  promptHash: string;
  prompt: string;
  text: string;
  tokens: number;
  finishReason: FinishReason;
}
