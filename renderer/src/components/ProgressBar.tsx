import type { JobStatus } from '../../../shared/jobs';

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
