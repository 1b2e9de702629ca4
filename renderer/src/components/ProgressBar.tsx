import type { Job, JobStatus } from '../../../shared/jobs';
import { jobBadgeStatus } from '../lib/format';

const BAR_COLOR: Record<JobStatus, string> = {
  queued: 'bg-zinc-400',
  running: 'bg-indigo-500',
  succeeded: 'bg-emerald-500',
  failed: 'bg-rose-500',
  cancelled: 'bg-zinc-400',
  interrupted: 'bg-amber-500',
  paused: 'bg-zinc-400',
};

export function ProgressBar({ value, status, label }: { value: number; status: JobStatus; label: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      className="h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
    >
      <div
        className={`h-full rounded-full transition-[width] duration-300 ${BAR_COLOR[status]} ${status === 'running' ? 'animate-pulse' : ''}`}
        style={{ width: `${pct}%` }}
      />
    </div>
  );
}

const BADGE: Record<JobStatus | 'paused', string> = {
  paused: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  queued: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
  running: 'bg-indigo-100 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300',
  succeeded: 'bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300',
  failed: 'bg-rose-100 text-rose-700 dark:bg-rose-950 dark:text-rose-300',
  cancelled: 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400',
  interrupted: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
};

/** The badge of a job (paused jobs show as paused, see `jobBadgeStatus`), or of a status. */
export function StatusBadge({ status, job }: { status?: JobStatus; job?: Pick<Job, 'status' | 'error'> }) {
  const shown = job ? jobBadgeStatus(job) : (status ?? 'queued');
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${BADGE[shown]}`} data-testid="job-status">{shown}</span>;
}
