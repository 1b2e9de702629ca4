import { useMutation, useQuery } from '@tanstack/react-query';
import type { Job } from '../../../shared/jobs';
import { useApi } from '../api/context';
import { jobQueries } from '../api/queries';
import { BackLink, Button } from '../components/Button';
import { cardClass } from '../components/Card';
import { LogView } from '../components/LogView';
import { JobStatusBadge } from '../components/Badge';
import { ProgressBar } from '../components/ProgressBar';
import { Table, type Column } from '../components/Table';
import { formatDuration, formatTime } from '../lib/format';
import { navigate } from '../lib/router';
import { EmptyState } from '../components/EmptyState';

const JOB_COLUMNS: Column<Job>[] = [
  { header: '#', cell: (job) => job.id, className: 'tabular-nums' },
  { header: 'Job', cell: (job) => job.title },
  { header: 'Status', cell: (job) => <JobStatusBadge job={job} /> },
  {
    header: 'Progress',
    headerClassName: 'w-48',
    cell: (job) => <ProgressBar value={job.progress} status={job.status} label={`Progress of job ${job.id}`} />,
  },
  { header: 'Started', cell: (job) => formatTime(job.startedAt), className: 'whitespace-nowrap text-zinc-500' },
  {
    header: 'Note',
    cell: (job) => job.error?.message ?? job.queueReason ?? job.progressMessage ?? '',
    className: 'max-w-xs truncate text-zinc-500',
  },
];

export function JobsPage() {
  const api = useApi();
  const { data: jobs = [], isLoading } = useQuery(jobQueries.list(api));
  return (
    <div className="max-w-5xl space-y-4">
      <h1 className="text-xl font-semibold">Jobs</h1>
      <Table
        columns={JOB_COLUMNS}
        rows={jobs}
        rowKey={(job) => job.id}
        loading={isLoading}
        empty="No jobs yet. Imports, training runs and evaluations appear here; their logs are kept after they end."
        testId="jobs-table"
        rowTestId="job-row"
        onOpen={(job) => navigate(`/jobs/${job.id}`)}
      />
    </div>
  );
}

export function JobDetailPage({ id }: { id: number }) {
  const api = useApi();
  const { data: job, error } = useQuery(jobQueries.detail(api, id));
  const { data: logs = [] } = useQuery(jobQueries.logs(api, id));
  const cancel = useMutation({ mutationFn: () => api.call('jobs.cancel', { id }) });
  const retry = useMutation({ mutationFn: () => api.call('jobs.retry', { id }) });

  if (error) return <p className="text-sm text-rose-600">{error.message}</p>;
  if (!job) return <EmptyState>Loading…</EmptyState>;
  const active = job.status === 'running' || job.status === 'queued';
  const elapsed = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : 0;
  // A training job belongs to a run, whose page has its charts and controls.
  const runId = job.kind === 'train' ? (job.params as { runId?: unknown } | null)?.runId : undefined;
  return (
    <div className="max-w-5xl space-y-5" data-testid="job-detail">
      <div className="flex items-center justify-between gap-4">
        <div>
          <BackLink to="/jobs">Jobs</BackLink>
          <h1 className="mt-1 text-xl font-semibold">
            #{job.id} {job.title}
          </h1>
        </div>
        <div className="flex gap-2">
          {typeof runId === 'number' && (
            <Button onClick={() => navigate(`/runs/${runId}`)} data-testid="job-open-run">
              Open run #{runId}
            </Button>
          )}
          {active && (
            <Button variant="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
              Cancel
            </Button>
          )}
          {(job.status === 'failed' || job.status === 'interrupted' || job.status === 'cancelled' || job.status === 'paused') && (
            <Button variant="primary" onClick={() => retry.mutate()} disabled={retry.isPending}>
              {job.status === 'interrupted' || job.status === 'paused' ? 'Resume' : 'Retry'}
            </Button>
          )}
        </div>
      </div>
      <div className={`${cardClass} p-5`}>
        <div className="flex items-center justify-between text-sm">
          <JobStatusBadge job={job} />
          <span className="text-zinc-500 tabular-nums">
            {Math.round(job.progress * 100)}% {elapsed > 0 ? `· ${formatDuration(elapsed)}` : ''} · attempt {job.attempt}
          </span>
        </div>
        <div className="mt-3">
          <ProgressBar value={job.progress} status={job.status} label={`Progress of job ${job.id}`} />
        </div>
        {job.progressMessage && <p className="mt-2 text-sm text-zinc-500">{job.progressMessage}</p>}
        {job.queueReason && <p className="mt-2 text-sm text-zinc-500">{job.queueReason}</p>}
        {job.error?.code === 'PAUSED' && <p className="mt-3 text-sm text-sky-700 dark:text-sky-300">{job.error.message}</p>}
        {job.error && job.error.code !== 'PAUSED' && (
          <p className="mt-3 rounded-md bg-rose-50 p-3 text-sm text-rose-800 dark:bg-rose-950 dark:text-rose-200" data-testid="job-error">
            <span className="font-mono text-xs font-semibold">{job.error.code}</span> {job.error.message}
          </p>
        )}
      </div>
      <section>
        <h2 className="mb-2 text-sm font-semibold">Log</h2>
        <LogView lines={logs} testId="job-log" />
      </section>
    </div>
  );
}
