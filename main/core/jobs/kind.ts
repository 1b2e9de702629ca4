/**
 * What a job kind is: its parameters, its result, how the studio runs it
 * (the handler) and, for heavy work, the function its worker process runs —
 * each typed from one zod schema, so a kind's payload, result and events
 * never pass through `unknown` and a cast. Every kind is listed once, in
 * registry.ts.
 */
import type { z } from 'zod';
import type { Job, LogLevel } from '../../../shared/jobs';
import type { DatasetStore } from '../datasets/store';
import type { EventHub } from '../events';
import type { RunStore } from '../runs/store';
import type { WorkerIo } from './protocol';

/** The studio's parts a job handler may use (one object, so a new kind needs no new wiring). */
export interface JobServices {
  readonly datasets: DatasetStore;
  readonly runs: RunStore;
  readonly events: EventHub;
  /** The workspace database file, which workers open themselves. */
  readonly dbPath: string;
  readonly artifactsDir: string;
  /** better-sqlite3 binary for this runtime (Electron's ABI), passed on to workers. */
  readonly nativeBinding?: string;
}

/** Events a worker sends its job, by name (training: steps, evaluations, checkpoints). */
export type EventMap = Record<string, unknown>;

/** What the job does with each event its worker sends. */
export type EventHandlers<E extends EventMap> = { [N in keyof E]?: (data: E[N]) => void };

/** The function a worker process runs for a job: it gets the validated payload and returns the result. */
export type WorkerTask<Payload, Result, Events extends EventMap = EventMap> = (payload: Payload, io: WorkerIo<Events>) => Promise<Result>;

/**
 * A kind's work in a worker process. The payload is validated in the worker,
 * the result when it arrives back in the studio.
 */
export interface WorkerEntry<Payload extends z.ZodType, Result extends z.ZodType, Events extends EventMap = EventMap> {
  readonly payload: Payload;
  readonly result: Result;
  /** Loaded on demand inside the worker: tensor code is only imported by the workers that train. */
  load(): Promise<WorkerTask<z.output<Payload>, z.input<Result>, Events>>;
}

/** Any kind's worker entry (what the supervisor and the worker process handle without knowing the kind). */
export interface AnyWorkerEntry {
  readonly payload: z.ZodType;
  readonly result: z.ZodType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload was checked against `payload` before the task gets it
  load(): Promise<WorkerTask<any, unknown, any>>;
}

/** Runs the kind's worker entry in a new worker process; `on` receives the worker's events in order. */
export type RunWorker<W> =
  W extends WorkerEntry<infer Payload, infer Result, infer Events>
    ? (payload: z.input<Payload>, on?: EventHandlers<Events>) => Promise<z.output<Result>>
    : never;

export interface JobContext<Params, W = undefined> {
  readonly job: Job;
  readonly params: Params;
  readonly services: JobServices;
  readonly signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  runWorker: RunWorker<W>;
  /** True once `JobSupervisor.pause` was called for this job. */
  readonly pauseRequested: boolean;
}

export interface JobKind<Params extends z.ZodType, Result extends z.ZodType, W extends AnyWorkerEntry | undefined = undefined> {
  readonly kind: string;
  /** The lane that limits how many jobs like it run at once (supervisor.ts, DEFAULT_LANE_LIMITS). */
  readonly lane: string;
  /** Checked by `JobSupervisor.start`; its input type is what callers pass. */
  readonly params: Params;
  /** What a finished job keeps (checked before it is stored); `resultOf` reads it back typed. */
  readonly result: Result;
  /** Whether `pause` applies (the task checkpoints and stops when asked; it throws `JobPaused`). */
  readonly pausable?: boolean;
  title(params: z.output<Params>, services: JobServices): string;
  /** The handler: the job's work in the studio's process, handing heavy parts to `ctx.runWorker`. */
  run(ctx: JobContext<z.output<Params>, W>): Promise<z.input<Result>>;
  readonly worker?: W;
}

/** Any job kind (what the registry holds and the supervisor runs). */
export type AnyJobKind = JobKind<z.ZodType, z.ZodType, AnyWorkerEntry | undefined>;

/** Declares a job kind; its types come from its schemas and worker entry. */
export function defineJobKind<Params extends z.ZodType, Result extends z.ZodType, W extends AnyWorkerEntry | undefined = undefined>(
  kind: JobKind<Params, Result, W>,
): JobKind<Params, Result, W> {
  return kind;
}

/**
 * Thrown by a job kind whose task stopped because a pause was asked for. The
 * job ends `paused` (its error, code PAUSED, says where it stopped); retrying
 * it continues from there.
 */
export class JobPaused extends Error {
  readonly code = 'PAUSED';
}
