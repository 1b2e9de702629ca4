import type { ExperimentStatus } from '../../../../shared/experiments';
import type { JobStatus } from '../../../../shared/jobs';
import { Badge, type Tone } from '../../components/Badge';

const TONE: Record<ExperimentStatus, Tone> = {
  queued: 'muted',
  running: 'indigo',
  pausing: 'amber',
  paused: 'zinc',
  cancelled: 'muted',
  succeeded: 'emerald',
  incomplete: 'amber',
};

/** The progress bar's colour, as a job's status of the same meaning. */
export function progressStatus(status: ExperimentStatus): JobStatus {
  if (status === 'pausing') return 'running';
  if (status === 'incomplete') return 'interrupted';
  return status;
}

export function ExperimentStatusBadge({ status }: { status: ExperimentStatus }) {
  return (
    <Badge
      tone={TONE[status]}
      testId="experiment-status"
      title={status === 'incomplete' ? 'Some runs or evaluations failed or were interrupted: Resume continues them.' : undefined}
    >
      {status}
    </Badge>
  );
}
