/**
 * Every job kind, by name: the one place a new kind is added (README,
 * "Adding a job kind"). The supervisor starts and runs kinds from here, the
 * worker process finds its entry here, and `resultOf` reads a finished job's
 * result back with its kind's schema.
 */
import type { z } from 'zod';
import type { Job } from '../../../shared/jobs';
import { ErrorCode, StudioError } from '../../../shared/result';
import { dedupeJob, snapshotJob } from '../datasets/curation-jobs';
import { importJob } from '../datasets/imports';
import { evalJob } from '../evals/eval-job';
import { candidatesJob } from '../labeling/candidates-job';
import { uncertaintyJob } from '../labeling/uncertainty-job';
import { labelBuildJob, labelExportJob, labelImportJob } from '../labeling/review-jobs';
import { trainJob } from '../runs/train-job';
import { snapshotDiffJob } from '../runs/snapshot-diff';
import { compareReportJob } from '../runs/compare-report-job';
import { trlExportJob } from '../export/trl-export-job';
import { trlImportJob } from '../import-run/import-job';
import type { AnyJobKind } from './kind';
import { selfTestJob } from './self-test';

export const JOB_KINDS = {
  'self-test': selfTestJob,
  'dataset-import': importJob,
  'dataset-dedupe': dedupeJob,
  'dataset-snapshot': snapshotJob,
  train: trainJob,
  eval: evalJob,
  'label-candidates': candidatesJob,
  'label-uncertainty': uncertaintyJob,
  'label-export': labelExportJob,
  'label-import': labelImportJob,
  'label-build': labelBuildJob,
  'snapshot-diff': snapshotDiffJob,
  'compare-report': compareReportJob,
  'trl-export': trlExportJob,
  'trl-import': trlImportJob,
} as const satisfies Record<string, AnyJobKind>;

export type JobKindName = keyof typeof JOB_KINDS;
/** What `JobSupervisor.start` takes for a kind (before its schema's defaults). */
export type JobParams<K extends JobKindName> = z.input<(typeof JOB_KINDS)[K]['params']>;
/** What a finished job of a kind keeps as its result. */
export type JobResult<K extends JobKindName> = z.output<(typeof JOB_KINDS)[K]['result']>;

export function isJobKindName(name: string): name is JobKindName {
  return Object.hasOwn(JOB_KINDS, name);
}

/** The kind of a stored job, or undefined when this version of the studio does not know it. */
export function jobKind(name: string): AnyJobKind | undefined {
  return isJobKindName(name) ? JOB_KINDS[name] : undefined;
}

/**
 * A finished job's result, typed by its kind's schema; a job that did not
 * succeed throws the error it ended with.
 */
export function resultOf<K extends JobKindName>(job: Job, kind: K): JobResult<K> {
  if (job.kind !== kind) throw new StudioError('INVALID_ARGUMENT', `Job #${job.id} is a ${job.kind} job, not ${kind}.`);
  if (job.status !== 'succeeded') {
    const error = job.error ?? { code: 'JOB_FAILED', message: `Job #${job.id} ${job.status}.` };
    const code = ErrorCode.safeParse(error.code);
    throw new StudioError(code.success ? code.data : 'JOB_FAILED', error.message, { jobId: job.id, code: error.code });
  }
  return JOB_KINDS[kind].result.parse(job.result) as JobResult<K>;
}
