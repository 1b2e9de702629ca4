import type { ExperimentStatus } from '../../../../shared/experiments';
import type { JobStatus } from '../../../../shared/jobs';
import type { Tone } from '../../components/Badge';

/** The kit Badge's tone for an experiment's status. */
export const STATUS_TONE: Record<ExperimentStatus, Tone> = {
  queued: 'muted',
  running: 'indigo',
  pausing: 'amber',
  paused: 'zinc',
  cancelled: 'muted',
  succeeded: 'emerald',
  incomplete: 'amber',
};

export const statusHint = (status: ExperimentStatus): string | undefined =>
  status === 'incomplete' ? 'Some runs or evaluations failed or were interrupted: Resume continues them.' : undefined;

/** The progress bar's colour, as a job's status of the same meaning. */
export function progressStatus(status: ExperimentStatus): JobStatus {
  if (status === 'pausing') return 'running';
  if (status === 'incomplete') return 'interrupted';
  return status;
}
