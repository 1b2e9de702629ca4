/**
 * `compare.startReport` and `compare.report` (issue 15 item 9): check the
 * runs, settle where the files go and start the `compare-report` job
 * (compare-report-job.ts), which reads, renders and writes in a worker
 * process. The Compare page's *Export report* starts it and follows its
 * progress (cancel included); `studio compare` and scripts call
 * `compare.report`, which waits for it and answers its result.
 */
import { join } from 'node:path';
import { CompareReportParams } from '../../../shared/compare-report';
import { StudioError } from '../../../shared/result';
import type { Handlers } from '../handlers';
import { resultOf } from '../jobs/registry';
import type { JobSupervisor } from '../jobs/supervisor';
import { CompareStore } from './compare-store';
import type { RunStore } from './store';

type ReportMethods = 'compare.report' | 'compare.startReport';

export interface CompareReportDeps {
  runs: RunStore;
  jobs: JobSupervisor;
  exportsDir: string;
}

export function compareReportHandlers(deps: CompareReportDeps): Pick<Handlers, ReportMethods> {
  /** Checks the runs before a job is queued (a bad id is the caller's mistake, not a failed job) and settles the path. */
  const start = (args: CompareReportParams) => {
    const params = CompareReportParams.parse(args);
    const store = new CompareStore(deps.runs.db);
    const existing = store.existingRuns(params.runIds);
    const missing = params.runIds.filter((id) => !existing.has(id));
    if (missing.length)
      throw new StudioError('NOT_FOUND', `No run ${missing.map((id) => `#${id}`).join(', ')} (see the runs list).`, { ids: missing });
    if (params.generationsKeep && !params.generations)
      throw new StudioError('INVALID_ARGUMENT', 'generationsKeep names prompts of a generations set, but no generations set was given.');
    const base = `compare-${params.runIds.join('-')}`.slice(0, 80);
    const path = params.path ?? join(deps.exportsDir, `${base}-report.html`);
    return deps.jobs.start('compare-report', { ...params, path, download: params.path === undefined });
  };
  return {
    'compare.startReport': (args) => start(args),
    'compare.report': async (args) => resultOf(await deps.jobs.outcome(start(args).id), 'compare-report'),
  };
}
