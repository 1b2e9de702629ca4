/**
 * What the parent (the `train` job) and the worker task say to each other:
 * the payload that starts or resumes a run, and the events the worker sends
 * as it goes. Kept free of tensor code so the UI process never loads tfjs.
 */
import { z } from 'zod';
import { RunConfig, type EvalRecord, type StepRecord } from '../../../shared/training';
import type { ReferenceCacheRow } from './store';

export const TrainPayload = z.object({
  runId: z.number().int().positive(),
  dbPath: z.string().min(1),
  /** better-sqlite3 binary for this runtime (Electron's ABI), if not the default. */
  nativeBinding: z.string().optional(),
  snapshotId: z.number().int().positive(),
  config: RunConfig,
  /** The run's folder: checkpoints and the exported model. */
  dir: z.string().min(1),
  /** Where reference log-probs are cached, one file per cache key. */
  referenceDir: z.string().min(1),
});
export type TrainPayload = z.infer<typeof TrainPayload>;

export const TrainResult = z.object({
  /** True when the run stopped because a pause was asked for. */
  paused: z.boolean(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  /** The exported model folder when the run completed. */
  exported: z.string().nullable(),
});
export type TrainResult = z.infer<typeof TrainResult>;

/** Events from the worker, by name. */
export type TrainEvents = {
  /** Where the run (re)starts: metrics after this step are stale and replaced. */
  start: { step: number; totalSteps: number; modelHash: string; backend: string; resumedFrom: string | null };
  reference: ReferenceCacheRow;
  step: StepRecord;
  eval: EvalRecord;
  checkpoints: { step: number; epoch: number; path: string; bytes: number }[];
  exported: { path: string };
};

export type TrainEventName = keyof TrainEvents;
