import { z } from 'zod';
import { Job, JobLogLine, JobStatus } from './jobs';

/**
 * The one contract between the UI (or any client) and the studio's core.
 * Every call has a zod schema for its arguments and its result; types come
 * from `z.infer`. Main, preload, renderer, the HTTP client and the CLI all
 * import this file. Method names are `domain.verb`; over HTTP they are
 * `POST /api/<method>`.
 */

export const Theme = z.enum(['system', 'light', 'dark']);
export const Settings = z.object({
  theme: Theme,
});
export type Settings = z.infer<typeof Settings>;
export const DEFAULT_SETTINGS: Settings = { theme: 'system' };

export const BackendInfo = z.object({
  /** The backend the engine will use (`tensorflow`, `wasm`, `cpu`, …). */
  name: z.string(),
  /** One line for the header: why this backend, threads, device. */
  detail: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const WorkspaceInfo = z.object({
  name: z.string(),
  path: z.string(),
  dbPath: z.string(),
  artifactsPath: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  schemaVersion: z.number().int(),
  appVersion: z.string(),
  createdAt: z.number(),
  backend: BackendInfo,
  counts: z.record(z.string(), z.number().int().nonnegative()),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

const JobId = z.object({ id: z.number().int().positive() });

function method<A extends z.ZodType, R extends z.ZodType>(args: A, result: R, summary: string) {
  return { args, result, summary };
}

export const contract = {
  'workspace.info': method(z.object({}), WorkspaceInfo, 'Where the workspace lives, its size, schema version, backend and counts.'),

  'settings.get': method(z.object({}), Settings, 'All user settings.'),
  'settings.update': method(Settings.partial(), Settings, 'Change some settings; returns all of them.'),

  'jobs.list': method(
    z.object({
      status: z.array(JobStatus).optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    z.array(Job),
    'Jobs, newest first.',
  ),
  'jobs.get': method(JobId, Job, 'One job.'),
  'jobs.logs': method(
    z.object({
      id: z.number().int().positive(),
      afterSeq: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(1000),
    }),
    z.array(JobLogLine),
    'Persisted log lines of a job after a sequence number.',
  ),
  'jobs.cancel': method(JobId, Job, 'Cancel a queued or running job.'),
  'jobs.retry': method(JobId, Job, 'Queue a failed, cancelled or interrupted job again (a new attempt).'),
  'jobs.startSelfTest': method(
    z.object({
      steps: z.number().int().min(1).max(10_000).default(20),
      stepMs: z.number().int().min(0).max(10_000).default(150),
      failAtStep: z.number().int().min(1).optional(),
    }),
    Job,
    'Run the job pipeline self-test: a worker process that reports progress step by step.',
  ),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type MethodArgs<M extends MethodName> = z.input<Contract[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Contract[M]['args']>;
export type MethodValue<M extends MethodName> = z.output<Contract[M]['result']>;

export const METHOD_NAMES = Object.keys(contract) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
