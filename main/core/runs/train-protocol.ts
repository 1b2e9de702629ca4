/**
 * What the parent (the `train` job) and the worker task say to each other:
 * the payload that starts or resumes a run, and the events the worker sends
 * as it goes. Kept free of tensor code so the UI process never loads tfjs.
 */
import type { EvalRecord, RunConfig, StepRecord } from '../../../shared/training';

export interface TrainPayload {
  runId: number;
  dbPath: string;
  /** better-sqlite3 binary for this runtime (Electron's ABI), if not the default. */
  nativeBinding?: string;
  snapshotId: number;
  config: RunConfig;
  /** The run's folder: checkpoints and the exported model. */
  dir: string;
  /** Where reference log-probs are cached, one file per cache key. */
  referenceDir: string;
}

export interface TrainResult {
  /** True when the run stopped because a pause was asked for. */
  paused: boolean;
  step: number;
  totalSteps: number;
  /** The exported model folder when the run completed. */
  exported: string | null;
}

/** Events from the worker, by name. */
export interface TrainEvents {
  /** Where the run (re)starts: metrics after this step are stale and replaced. */
  start: { step: number; totalSteps: number; modelHash: string; backend: string; resumedFrom: string | null };
  reference: { key: string; modelHash: string; snapshotHash: string; settings: unknown; trainPairs: number; testPairs: number; path: string; bytes: number };
  step: StepRecord;
  eval: EvalRecord;
  checkpoints: { step: number; epoch: number; path: string; bytes: number }[];
  exported: { path: string };
}

export type TrainEventName = keyof TrainEvents;
