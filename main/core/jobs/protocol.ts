import type { LogLevel } from '../../../shared/jobs';

/** Messages between the supervisor (parent) and a job's worker process. */
export type ToWorker =
  /** Run the worker entry of this job kind (registry.ts) on the payload. */
  | { type: 'run'; kind: string; payload: unknown }
  | { type: 'cancel' }
  /** Stop at the next safe point, saving what is needed to continue (training: a checkpoint). */
  | { type: 'pause' };

export type FromWorker =
  | { type: 'progress'; progress: number; message?: string }
  | { type: 'log'; level: LogLevel; message: string }
  /** Task-specific data for the job that runs the worker (training: step metrics, checkpoints). */
  | { type: 'event'; name: string; data: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: { code: string; message: string; details?: unknown } };

/** What a task running inside the worker can do; `Events` names the data it sends its job. */
export interface WorkerIo<Events extends Record<string, unknown> = Record<string, unknown>> {
  progress(progress: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  /** Sends task-specific data to the job (delivered in order with progress and logs). */
  event<N extends keyof Events & string>(name: N, data: Events[N]): void;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal;
  /** True once a pause was asked for: stop at the next safe point and return. */
  pauseRequested(): boolean;
}

/** A running worker process, whatever started it (child_process.fork or Electron's utilityProcess). */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  onStderr(listener: (text: string) => void): void;
  /** Called once, when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

/** Starts a worker for a job of `kind` (the desktop app sends some kinds to its GPU host, main/gpu-host/). */
export type SpawnWorker = (kind?: string) => WorkerHandle;
