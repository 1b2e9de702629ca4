import type { ReactNode } from 'react';
import type { Job, JobStatus } from '../../../shared/jobs';
import type { RunStatus } from '../../../shared/runs';
import { jobBadgeStatus } from '../lib/format';

export type Tone = 'zinc' | 'muted' | 'amber' | 'indigo' | 'emerald' | 'rose' | 'sky';

const TONES: Record<Tone, string> = {
  zinc: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
  muted: 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400',
  amber: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  indigo: 'bg-indigo-100 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300',
  emerald: 'bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300',
  rose: 'bg-rose-100 text-rose-700 dark:bg-rose-950 dark:text-rose-300',
  sky: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
};

/** A small coloured label: a tag, a flag, a split, a status. */
export function Badge({ children, tone = 'zinc', testId, title }: { children: ReactNode; tone?: Tone; testId?: string; title?: string }) {
  return (
    <span className={`inline-block rounded px-1.5 py-0.5 text-xs whitespace-nowrap ${TONES[tone]}`} data-testid={testId} title={title}>
      {children}
    </span>
  );
}

/** Job and run statuses share their colours: a paused one waits, an interrupted one needs a decision. */
const STATUS_TONE: Record<JobStatus, Tone> = {
  queued: 'zinc',
  running: 'indigo',
  paused: 'sky',
  succeeded: 'emerald',
  failed: 'rose',
  cancelled: 'muted',
  interrupted: 'amber',
};

function StatusBadge({ status, testId }: { status: JobStatus; testId: string }) {
  return (
    <Badge tone={STATUS_TONE[status]} testId={testId}>
      <span className="font-medium">{status}</span>
    </Badge>
  );
}

/** The badge of a job (paused jobs show as paused, see `jobBadgeStatus`), or of a job status. */
export function JobStatusBadge({ status, job }: { status?: JobStatus; job?: Pick<Job, 'status' | 'error'> }) {
  return <StatusBadge status={job ? jobBadgeStatus(job) : (status ?? 'queued')} testId="job-status" />;
}

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return <StatusBadge status={status} testId="run-status" />;
}
