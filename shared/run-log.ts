/**
 * The lines a training run reports, written once for both places they show:
 * `studio train` prints them, and the worker writes them to the run's job log
 * (SQLite), which the run and job pages show. So the app's log reads like the
 * terminal.
 */
import type { EvalRecord } from './training';
import type { RunDiagnostic } from './runs';

/** A metric value in a few characters: fixed digits, or exponent notation for very large or small values. */
export function formatMetricValue(v: number | undefined, digits = 4): string {
  if (v === undefined) return '—';
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);
}

/** One training step: `step  7/40  loss 0.6931  acc 0.50  margin 0.000  lr 5.0000e-4  812 tok/s`. */
export function formatStepLine(step: number, totalSteps: number, m: Record<string, number>): string {
  return (
    `step ${String(step).padStart(String(totalSteps).length)}/${totalSteps}  loss ${formatMetricValue(m['loss'])}  ` +
    `acc ${formatMetricValue(m['rewards/accuracies'], 2)}  margin ${formatMetricValue(m['rewards/margins'], 3)}  ` +
    `lr ${formatMetricValue(m['learning_rate'])}  ${Math.round(m['tokens_per_second'] ?? 0)} tok/s`
  );
}

/** The held-out scores as the run records them (names under `eval/`). */
export function evalMetrics(e: EvalRecord): Record<string, number> {
  return {
    'eval/logp_accuracy': e.logpAccuracy,
    'eval/logp_margin': e.logpMargin,
    'eval/loss': e.loss,
    ...(e.rewardAccuracy === null ? {} : { 'eval/reward_accuracy': e.rewardAccuracy }),
    ...(e.rewardMargin === null ? {} : { 'eval/reward_margin': e.rewardMargin }),
  };
}

/** One evaluation: `eval @ 10: logp_accuracy 0.900  logp_margin 3.210  loss 0.412`. */
export function formatEvalLine(step: number, m: Record<string, number>): string {
  return `eval @ ${step}: ${Object.entries(m)
    .map(([k, v]) => `${k.replace('eval/', '')} ${formatMetricValue(v, 3)}`)
    .join('  ')}`;
}

/** A diagnostic of the run's metrics: `warn @ step 30: held-out accuracy fell …`. */
export function formatDiagnosticLine(d: RunDiagnostic): string {
  return `${d.level}${d.step === null ? '' : ` @ step ${d.step}`}: ${d.message}`;
}

/**
 * Whether a log line is one of the step, eval or diagnostic lines above:
 * `studio train` prints those itself (stdout), so it skips their copies in
 * the job log it relays (stderr).
 */
export function isRunReportLine(message: string): boolean {
  return /^step +\d+\/\d+ {2}loss |^eval @ \d+: |^(info|warn|error)( @ step \d+)?: /.test(message);
}
