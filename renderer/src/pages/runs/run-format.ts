import type { JobStatus } from '../../../../shared/jobs';
import type { Run, RunStatus } from '../../../../shared/runs';

/** How runs read in tables and headings: objective names, metric values, hashes. */

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
