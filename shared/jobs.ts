import { z } from 'zod';

/**
 * Job lifecycle. `interrupted` means the process running the job died (crash,
 * kill, power loss) — the job's record and log survive and, for resumable
 * kinds, it can be resumed. `paused` means a pausable job (training) stopped
 * at a safe point because a pause was asked for; retrying it continues from
 * there, cancelling ends it for good.
 */
export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'paused']);
export type JobStatus = z.infer<typeof JobStatus>;

/** Statuses of a job that has stopped: nothing runs or waits to run until it is retried. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted', 'paused'];

/**
 * Allowed transitions; anything else is a bug in the caller. A queued job may
 * be paused before it starts (an experiment paused as a whole holds its
 * queued runs and evaluations; retry queues them again).
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled', 'interrupted', 'paused'],
  running: ['succeeded', 'failed', 'cancelled', 'interrupted', 'paused'],
  succeeded: [],
  failed: ['queued'],
  cancelled: ['queued'],
  interrupted: ['queued'],
  paused: ['queued', 'cancelled'],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

export const JobError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const Job = z.object({
  id: z.number().int(),
  kind: z.string(),
  title: z.string(),
  status: JobStatus,
  lane: z.string(),
  params: z.unknown(),
  progress: z.number().min(0).max(1),
  progressMessage: z.string().nullable(),
  /** Why a queued job waits, in words ("waiting for job #3 to finish on the device lane"). */
  queueReason: z.string().nullable(),
  result: z.unknown().nullable(),
  error: JobError.nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  heartbeatAt: z.number().nullable(),
  attempt: z.number().int(),
});
export type Job = z.infer<typeof Job>;

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

export const JobLogLine = z.object({
  jobId: z.number().int(),
  seq: z.number().int(),
  at: z.number(),
  level: LogLevel,
  message: z.string(),
});
export type JobLogLine = z.infer<typeof JobLogLine>;
