import type { Job, JobStatus } from '../../../shared/jobs';
export { formatBytes } from '../../../shared/format';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatTime(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString();
}

/** What a job's badge says: a job stopped by a pause (a training run at a checkpoint) shows as paused. */
export const jobBadgeStatus = (job: Pick<Job, 'status'>): JobStatus => job.status;

/** "12,345": counts in tables and stats. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
