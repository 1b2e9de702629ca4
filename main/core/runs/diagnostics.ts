/**
 * What a run's metrics say, in plain words: the failure patterns users of
 * preference trainers learn to spot by eye (mmpo-spec.md, "what to watch").
 */
import type { Job } from '../../../shared/jobs';
import type { MetricSeries, RunDiagnostic } from '../../../shared/runs';

/** Mean of a series' values over a fraction of its steps at the start or the end. */
function windowMean(series: MetricSeries[string] | undefined, where: 'start' | 'end', fraction = 0.2): number | null {
  if (!series || series.values.length === 0) return null;
  const n = Math.max(1, Math.round(series.values.length * fraction));
  const part = where === 'start' ? series.values.slice(0, n) : series.values.slice(-n);
  return part.reduce((a, b) => a + b, 0) / part.length;
}

const MIN_STEPS = 10;

/** Share of its best value by which held-out loss must rise, and training loss fall, to call it overfitting. */
const EVAL_RISE = 0.05;
const TRAIN_FALL = 0.1;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Held-out loss rising from its best while the training loss falls: the model
 * fits the training pairs at the held-out ones' expense. Every objective logs
 * `eval/loss` as the same function of the model as `loss`, scored on the test
 * split in micro-batches of the run's size (so MMPO's in-batch normalisation
 * (M6) is the same). The two are compared by trend only, each against its own
 * past: their levels differ by data (for MMPO the loss is −s_w, a log-prob
 * summed over a response, so it scales with the responses' lengths).
 */
function evalLossRising(series: MetricSeries): RunDiagnostic | null {
  const evalLoss = series['eval/loss'];
  const train = series['loss'];
  if (!evalLoss || evalLoss.values.length < 3 || !train) return null;
  const best = Math.min(...evalLoss.values);
  const bestAt = evalLoss.values.indexOf(best);
  // The last quarter of the evaluations (at least two) must all lie after the best one: a sustained rise, not one noisy point.
  const recentCount = Math.max(2, Math.ceil(evalLoss.values.length / 4));
  if (bestAt >= evalLoss.values.length - recentCount) return null;
  const recent = mean(evalLoss.values.slice(-recentCount));
  if (recent - best < EVAL_RISE * Math.max(Math.abs(best), 0.1)) return null;
  const bestStep = evalLoss.steps[bestAt]!;
  // Training loss around the best evaluation (steps up to it, at least a fifth of the run) against its last fifth.
  const fifth = Math.max(1, Math.round(train.values.length / 5));
  const upToBest = train.values.filter((_, i) => train.steps[i]! <= bestStep);
  const before = mean(upToBest.length >= fifth ? upToBest : train.values.slice(0, fifth));
  const after = mean(train.values.slice(-fifth));
  if (before - after < TRAIN_FALL * Math.max(Math.abs(before), 0.1)) return null;
  const f = (v: number) => String(Number(v.toPrecision(3)));
  return {
    level: 'warn',
    code: 'eval_loss_rising',
    step: evalLoss.steps.at(-1)!,
    message: `Held-out loss rose from ${f(best)} (step ${bestStep}) to ${f(evalLoss.values.at(-1)!)} while the training loss fell from ${f(before)} to ${f(after)}: the model is fitting the training pairs more than held-out ones (overfitting). Fewer epochs or a lower learning rate keep the held-out loss down; compare checkpoints before relying on the last one.`,
  };
}

export function diagnose(series: MetricSeries, error: Job['error']): RunDiagnostic[] {
  const out: RunDiagnostic[] = [];
  if (error?.code === 'non_finite') {
    const step = Number(/Step (\d+)/.exec(error.message)?.[1] ?? NaN);
    out.push({
      level: 'error',
      code: 'non_finite',
      step: Number.isFinite(step) ? step : null,
      message: `${error.message} The last checkpoint before it is intact.`,
    });
  }
  const steps = series['loss']?.steps.length ?? 0;
  if (steps < MIN_STEPS) return out;
  const last = series['loss']!.steps.at(-1)!;

  const chosenStart = windowMean(series['logps/chosen'], 'start');
  const chosenEnd = windowMean(series['logps/chosen'], 'end');
  const marginStart = windowMean(series['rewards/margins'], 'start');
  const marginEnd = windowMean(series['rewards/margins'], 'end');
  if (chosenStart !== null && chosenEnd !== null && marginStart !== null && marginEnd !== null) {
    const chosenDrop = chosenStart - chosenEnd;
    if (chosenDrop > Math.max(1, Math.abs(chosenStart) * 0.05) && marginEnd > marginStart) {
      out.push({
        level: 'warn',
        code: 'chosen_logp_falling',
        step: last,
        message: `The chosen responses' log-probability fell by ${chosenDrop.toFixed(1)} nats while the margin grew: the model is pushing both answers down, the rejected one faster. Likelihood can be lost this way (the failure MMPO's chosen-likelihood term targets); try a lower learning rate, a larger β or MMPO's defaults.`,
      });
    }
  }

  const accEnd = windowMean(series['rewards/accuracies'], 'end', 0.1);
  const lossEnd = windowMean(series['loss'], 'end', 0.1);
  // A loss near 0 means memorised pairs for the logistic objectives only: MMPO's loss is −s_w, a summed
  // negative log-likelihood that never nears 0, so this check cannot fire for it — eval_loss_rising can.
  if (accEnd !== null && lossEnd !== null && accEnd >= 0.99 && lossEnd < 0.05) {
    const evalAcc = series['eval/logp_accuracy']?.values.at(-1);
    out.push({
      level: 'warn',
      code: 'overfitting',
      step: last,
      message: `Training accuracy is ${accEnd.toFixed(2)} and the loss is near 0 (${lossEnd.toFixed(3)}): the model has likely memorised the training pairs${
        evalAcc !== undefined ? ` (held-out accuracy ${evalAcc.toFixed(2)})` : ''
      }. Fewer epochs, a lower learning rate or more data will generalise better.`,
    });
  }

  const rising = evalLossRising(series);
  if (rising) out.push(rising);

  const evalAcc = series['eval/logp_accuracy'];
  if (evalAcc && evalAcc.values.length >= 3) {
    const best = Math.max(...evalAcc.values);
    const now = evalAcc.values.at(-1)!;
    if (best - now >= 0.1) {
      const bestStep = evalAcc.steps[evalAcc.values.indexOf(best)]!;
      out.push({
        level: 'warn',
        code: 'eval_accuracy_falling',
        step: evalAcc.steps.at(-1)!,
        message: `Held-out accuracy peaked at ${best.toFixed(2)} (step ${bestStep}) and is now ${now.toFixed(2)}: later steps are not generalising. The checkpoint nearest step ${bestStep} may be the one to keep.`,
      });
    }
  }
  return out;
}
