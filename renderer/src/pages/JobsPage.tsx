import { useMutation, useQuery } from '@tanstack/react-query';
import { useApi } from '../api/context';
import { jobQueries } from '../api/queries';
import { Button } from '../components/Button';
import { LogView } from '../components/LogView';
import { ProgressBar, StatusBadge } from '../components/ProgressBar';
import { formatDuration, formatTime } from '../lib/format';
import { navigate } from '../lib/router';
import { useRowNavigation } from '../lib/row-navigation';

export function JobsPage() {
  const api = useApi();
  const { data: jobs = [], isLoading } = useQuery(jobQueries.list(api));
  const rows = useRowNavigation<HTMLTableSectionElement>(jobs.length > 0);
  return (
    <div className="max-w-5xl space-y-4">
      <h1 className="text-xl font-semibold">Jobs</h1>
      {isLoading ? null : jobs.length === 0 ? (
        <p className="text-sm text-zinc-500">No jobs yet. Imports, training runs and evaluations appear here; their logs are kept after they end.</p>
      ) : (
        <table className="w-full text-sm" data-testid="jobs-table">
          <thead className="text-left text-xs text-zinc-500 uppercase">
            <tr>
              <th className="py-2 pr-3">#</th>
              <th className="py-2 pr-3">Job</th>
              <th className="py-2 pr-3">Status</th>
              <th className="w-48 py-2 pr-3">Progress</th>
              <th className="py-2 pr-3">Started</th>
              <th className="py-2">Note</th>
            </tr>
          </thead>
          <tbody ref={rows.ref} onKeyDown={rows.onKeyDown} className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {jobs.map((job) => (
              <tr
                key={job.id}
                tabIndex={0}
                data-nav-row
                data-testid="job-row"
                className="cursor-pointer hover:bg-zinc-100 focus:bg-indigo-50 focus:outline-none dark:hover:bg-zinc-900 dark:focus:bg-indigo-950"
                onClick={() => navigate(`/jobs/${job.id}`)}
                onKeyDown={(e) => e.key === 'Enter' && navigate(`/jobs/${job.id}`)}
              >
                <td className="py-2 pr-3 tabular-nums">{job.id}</td>
                <td className="py-2 pr-3">{job.title}</td>
                <td className="py-2 pr-3">
                  <StatusBadge job={job} />
                </td>
                <td className="py-2 pr-3">
                  <ProgressBar value={job.progress} status={job.status} label={`Progress of job ${job.id}`} />
                </td>
                <td className="py-2 pr-3 whitespace-nowrap text-zinc-500">{formatTime(job.startedAt)}</td>
                <td className="max-w-xs truncate py-2 text-zinc-500">{job.error?.message ?? job.queueReason ?? job.progressMessage ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
  if (!job) return <p className="text-sm text-zinc-500">Loading…</p>;
  const active = job.status === 'running' || job.status === 'queued';
  const elapsed = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : 0;
  // A training job belongs to a run, whose page has its charts and controls.
  const runId = job.kind === 'train' ? (job.params as { runId?: unknown } | null)?.runId : undefined;
  return (
    <div className="max-w-5xl space-y-5" data-testid="job-detail">
      <div className="flex items-center justify-between gap-4">
        <div>
          <button type="button" className="text-xs text-zinc-500 hover:underline" onClick={() => navigate('/jobs')}>
            ← Jobs
          </button>
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
              {job.status === 'interrupted' || job.error?.code === 'PAUSED' ? 'Resume' : 'Retry'}
            </Button>
          )}
        </div>
      </div>
      <div className="rounded-xl border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
        <div className="flex items-center justify-between text-sm">
          <StatusBadge job={job} />
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
