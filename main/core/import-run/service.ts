/**
 * `runs.importTrl` and `runs.startImportTrl` (issue 16, "Import back"): a TRL
 * output folder read into a run by a `trl-import` job (import-job.ts). The
 * handler only checks that the folder is a TRL output — a few stat calls —
 * so a wrong folder is refused in one sentence without a job.
 */
import type { Handlers } from '../handlers';
import type { JobSupervisor } from '../jobs/supervisor';
import { resultOf } from '../jobs/registry';
import { locateOutput } from './trl-folder';

export function importRunHandlers(deps: { jobs: JobSupervisor }): Pick<Handlers, 'runs.importTrl' | 'runs.startImportTrl'> {
  const start = ({ dir, project }: { dir: string; project?: string | undefined }) =>
    deps.jobs.start('trl-import', { dir: locateOutput(dir), ...(project ? { project } : {}) });
  return {
    'runs.importTrl': async (args) => resultOf(await deps.jobs.outcome(start(args).id), 'trl-import'),
    'runs.startImportTrl': (args) => start(args),
  };
}
