import type { JobStatus } from '../../../../shared/jobs';
import type { Run, RunStatus } from '../../../../shared/runs';

const BADGE: Record<RunStatus, string> = {
  queued: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
  running: 'bg-indigo-100 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300',
  paused: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300',
  succeeded: 'bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300',
  failed: 'bg-rose-100 text-rose-700 dark:bg-rose-950 dark:text-rose-300',
  cancelled: 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400',
  interrupted: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${BADGE[status]}`} data-testid="run-status">
      {status}
    </span>
  );
}

/** The progress bar's colour for a run status (a paused run is waiting, not failing). */
export function barStatus(status: RunStatus): JobStatus {
  return status === 'paused' ? 'queued' : status;
}

/** Statuses from which `runs.resume` continues at the last checkpoint. */
export { RESUMABLE_STATUSES as RESUMABLE } from '../../../../shared/runs';

export function objectiveLabel(run: Run): string {
  const o = run.config.objective;
  if (o.objective === 'mmpo') return o.lambdaPair === 0 ? 'MMPO (MML only)' : 'MMPO';
  return o.objective.toUpperCase();
}

/** A metric value for tables: 4 significant digits, '—' when absent. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

/** Held-out preference accuracy: the objective's reward accuracy when it has one, else log-prob accuracy. */
export function evalAccuracy(run: Run): number | undefined {
  return run.latest['eval/reward_accuracy'] ?? run.latest['eval/logp_accuracy'];
}

export function shortHash(hash: string | null): string {
  return hash ? hash.slice(0, 12) : '—';
}
