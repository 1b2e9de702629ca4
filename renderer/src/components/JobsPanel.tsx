import { useMutation, useQuery } from '@tanstack/react-query';
import type { Job } from '../../../shared/jobs';
import { useApi } from '../api/context';
import { jobQueries } from '../api/queries';
import { formatDuration } from '../lib/format';
import { navigate } from '../lib/router';
import { ui, useUi } from '../lib/ui-store';
import { Button } from './Button';
import { JobStatusBadge } from './Badge';
import { EmptyState } from './EmptyState';
import { ProgressBar } from './ProgressBar';

/** Active jobs first, then the most recent others. */
function ordered(jobs: Job[]): Job[] {
  const rank = (j: Job) => (j.status === 'running' ? 0 : j.status === 'queued' ? 1 : 2);
  return [...jobs].sort((a, b) => rank(a) - rank(b) || b.id - a.id).slice(0, 30);
}

export function JobRow({ job }: { job: Job }) {
  const api = useApi();
  const cancel = useMutation({ mutationFn: () => api.call('jobs.cancel', { id: job.id }) });
  const active = job.status === 'running' || job.status === 'queued';
  const elapsed = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : 0;
  return (
    <li className="px-4 py-3" data-testid={`job-${job.id}`}>
      <div className="flex items-center justify-between gap-2">
        <button
          type="button"
          className="truncate text-left text-sm font-medium hover:underline"
          onClick={() => {
            navigate(`/jobs/${job.id}`);
            ui.toggleJobsPanel(false);
          }}
        >
          #{job.id} {job.title}
        </button>
        <JobStatusBadge job={job} />
      </div>
      <div className="mt-2">
        <ProgressBar value={job.progress} status={job.status} label={`Progress of job ${job.id}`} />
      </div>
      <div className="mt-1 flex items-center justify-between gap-2 text-xs text-zinc-500 dark:text-zinc-400">
        <span className="truncate">
          {job.status === 'queued' ? (job.queueReason ?? 'Queued') : (job.error?.message ?? job.progressMessage ?? '')}
        </span>
        <span className="shrink-0 tabular-nums">
          {Math.round(job.progress * 100)}%{elapsed > 0 ? ` · ${formatDuration(elapsed)}` : ''}
        </span>
      </div>
      {active && (
        <div className="mt-2">
          <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel
          </Button>
        </div>
      )}
    </li>
  );
}

export function JobsPanel() {
  const api = useApi();
  const open = useUi((s) => s.jobsPanelOpen);
  const { data: jobs = [] } = useQuery(jobQueries.list(api));
  if (!open) return null;
  return (
    <aside
      aria-label="Jobs"
      data-testid="jobs-panel"
      className="fixed top-14 right-0 bottom-0 z-40 flex w-96 flex-col border-l border-zinc-200 bg-white shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">Jobs</h2>
        <Button variant="ghost" className="!px-2 text-xs" onClick={() => ui.toggleJobsPanel(false)} aria-label="Close jobs panel">
          ✕
        </Button>
      </div>
      {jobs.length === 0 ? (
        <div className="p-4">
          <EmptyState>No jobs yet. Long work — imports, training, evaluation — shows up here with live progress.</EmptyState>
        </div>
      ) : (
        <ul className="flex-1 divide-y divide-zinc-100 overflow-y-auto dark:divide-zinc-800">
          {ordered(jobs).map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </aside>
  );
}
