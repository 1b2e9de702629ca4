/**
 * What the `label-candidates` and `label-uncertainty` jobs and their worker
 * tasks say to each other. Kept free of tensor code.
 */
import { z } from 'zod';
import { CandidateSampling } from '../../../shared/labeling';
import { ModelSource } from '../../../shared/training';

/** A model as a worker loads it: an HF folder (or a LoRA run's starting model with its adapter). */
export const WorkerModel = z.object({
  source: ModelSource,
  adapterPath: z.string().nullable(),
  /** The model's tokenization: prompts are rendered as training renders them. */
  chatTemplate: z.boolean(),
  maxLength: z.number().int().positive(),
  maxPromptLength: z.number().int().positive(),
});
export type WorkerModel = z.infer<typeof WorkerModel>;

export const CandidatesPayload = z.object({
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
  /** The queue whose still-open prompts the worker reads (read-only) and generates for, in the queue's order. */
  queueId: z.number().int(),
  /** Model A, and model B for an arena. */
  models: z.array(WorkerModel).min(1).max(2),
  sampling: CandidateSampling,
  /** Responses per prompt from each model. */
  n: z.number().int().min(1),
});
export type CandidatesPayload = z.infer<typeof CandidatesPayload>;

export const CandidatesTaskResult = z.object({ prompts: z.number().int() });

export type CandidateEvents = {
  /** A prompt's responses, sent as soon as they are generated: the job stores them at once. */
  prompt: {
    promptId: number;
    responses: {
      model: number;
      sample: number;
      text: string;
      tokens: number;
      finishReason: 'stop_token' | 'stop_sequence' | 'length';
    }[];
  };
};

export const UncertaintyPayload = z.object({
  dbPath: z.string().min(1),
  nativeBinding: z.string().optional(),
  queueId: z.number().int(),
  model: WorkerModel,
  /** Where the margins are cached (model content hash + tokenizer + tokenization), and who orders the queue. */
  scorerKey: z.string(),
  modelHash: z.string(),
  modelName: z.string(),
});
export type UncertaintyPayload = z.infer<typeof UncertaintyPayload>;

/** Pairs scored now, found in the cache, and left unscorable (served last). */
export const UncertaintyTaskResult = z.object({ scored: z.number().int(), cached: z.number().int(), unscored: z.number().int() });
export type UncertaintyTaskResult = z.infer<typeof UncertaintyTaskResult>;
