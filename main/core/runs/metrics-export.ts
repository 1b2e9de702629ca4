/**
 * A run's metrics as files other tools read, under TRL's names
 * (../shared/evaluation.md): train values keep their names (`loss`,
 * `rewards/accuracies`, …), held-out ones get TRL's `eval_` prefix
 * (`eval_loss`, `eval_rewards/accuracies`, …). JSON has the shape of the HF
 * Trainer's trainer_state.json (`log_history`: one entry per logged train
 * step, one per evaluation); CSV has one row per step with every column.
 */
import type { MetricSeries, Run } from '../../../shared/runs';
import { STEP_METRICS } from '../../../shared/training';

/**
 * The studio's held-out metric names → TRL's. TRL has no log-prob accuracy;
 * ours (1[ℓθ(y_w) > ℓθ(y_l)], evaluation.md) follows its `rewards/*` pattern.
 */
const EVAL_NAMES: Record<string, string> = {
  'eval/loss': 'eval_loss',
  'eval/reward_accuracy': 'eval_rewards/accuracies',
  'eval/reward_margin': 'eval_rewards/margins',
  'eval/logp_accuracy': 'eval_logps/accuracies',
  'eval/logp_margin': 'eval_logps/margins',
};

/** A stored metric name under TRL's convention. */
export function trlMetricName(name: string): string {
  return EVAL_NAMES[name] ?? (name.startsWith('eval/') ? `eval_${name.slice('eval/'.length)}` : name);
}

const isEval = (name: string) => name.startsWith('eval/');
const ORDER: readonly string[] = STEP_METRICS;

/** Train metric names in the spec's order (others after, by name), then eval names; `step` and `epoch` are columns of their own. */
function orderedNames(series: MetricSeries): string[] {
  const rank = (n: string) => (isEval(n) ? 2000 : ORDER.includes(n) ? ORDER.indexOf(n) : 1000);
  return Object.keys(series)
    .filter((n) => n !== 'step' && n !== 'epoch')
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** step → { name → value } for the names given. */
function byStep(series: MetricSeries, names: string[]): Map<number, Record<string, number>> {
  const rows = new Map<number, Record<string, number>>();
  for (const name of names) {
    const s = series[name]!;
    s.steps.forEach((step, i) => {
      const row = rows.get(step) ?? {};
      row[trlMetricName(name)] = s.values[i]!;
      rows.set(step, row);
    });
  }
  return new Map([...rows].sort(([a], [b]) => a - b));
}

/** The fractional epoch at each step (recorded with every train step). */
function epochAt(series: MetricSeries): (step: number) => number | undefined {
  const epochs = new Map((series['epoch']?.steps ?? []).map((s, i) => [s, series['epoch']!.values[i]!]));
  return (step) => epochs.get(step);
}

/** trainer_state.json's shape: train entries then, at the same step, the evaluation's entry. */
export function metricsJson(run: Run, series: MetricSeries): string {
  const names = orderedNames(series);
  const train = byStep(
    series,
    names.filter((n) => !isEval(n)),
  );
  const evals = byStep(series, names.filter(isEval));
  const epoch = epochAt(series);
  const logHistory: Record<string, number>[] = [];
  for (const step of [...new Set([...train.keys(), ...evals.keys()])].sort((a, b) => a - b)) {
    const e = epoch(step);
    const at = { ...(e === undefined ? {} : { epoch: e }), step };
    if (train.has(step)) logHistory.push({ ...train.get(step), ...at });
    if (evals.has(step)) logHistory.push({ ...evals.get(step), ...at });
  }
  const doc = {
    run: {
      id: run.id,
      name: run.name,
      status: run.status,
      objective: run.config.objective,
      model: run.modelName,
      snapshot: run.snapshotName,
      snapshotHash: run.snapshotHash,
    },
    global_step: run.step,
    max_steps: run.totalSteps,
    num_train_epochs: run.config.maxSteps === null ? run.config.epochs : null,
    log_history: logHistory,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** One row per step: step, epoch, then every metric under its TRL name (empty where a step has no value). */
export function metricsCsv(series: MetricSeries): { text: string; rows: number } {
  const names = orderedNames(series);
  const rows = byStep(series, names);
  const epoch = epochAt(series);
  const columns = names.map(trlMetricName);
  const lines = [['step', 'epoch', ...columns].join(',')];
  for (const [step, values] of rows) {
    lines.push([step, epoch(step) ?? '', ...columns.map((c) => values[c] ?? '')].join(','));
  }
  return { text: lines.join('\n') + '\n', rows: rows.size };
}

/** How many log_history entries / CSV rows an export holds (what callers report). */
export function exportMetrics(run: Run, series: MetricSeries, format: 'csv' | 'json'): { text: string; rows: number } {
  if (format === 'csv') return metricsCsv(series);
  const text = metricsJson(run, series);
  return { text, rows: (JSON.parse(text) as { log_history: unknown[] }).log_history.length };
}
