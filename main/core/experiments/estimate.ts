/**
 * An experiment's time left (issue 19: "an honest time estimate"), priced
 * only from what was measured: the mean step time after each run's warm-up
 * steps, each finished run's start-up (its wall time not spent in steps:
 * the worker, the model, reference log-probs, the export) and each finished
 * evaluation. The range takes the slowest and the fastest run's pace and
 * evaluation, widened 10% below and 20% above as a run's own estimate is
 * (shared/training.ts timeLeft). What nothing has measured yet is said, not
 * guessed.
 */
import type { ExperimentEstimate } from '../../../shared/experiments';
import { formatSeconds } from '../../../shared/training';

export interface PricingInputs {
  stepsLeft: number;
  /** Runs still to start (queued, or paused and to be resumed): each pays a start-up. */
  runsLeft: number;
  evalsLeft: number;
  /** Per run that has taken steps: its steps after the warm-up and their seconds. */
  stepTimes: readonly { warmSteps: number; warmSeconds: number }[];
  /** Start-up seconds of the finished runs. */
  startups: readonly number[];
  /** Seconds of finished evaluations, and where they come from in words ("of this experiment"). */
  evalSeconds: readonly number[];
  evalBasis: string;
}

export interface Priced {
  estimate: ExperimentEstimate | null;
  /** The estimate's basis, or why there is none. */
  note: string;
  /** Seconds left, null when not priced. */
  left: number | null;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Runs with fewer measured steps than this do not set the pace (one step after the warm-up is noise). */
const MIN_PACE_STEPS = 2;

export function priceTimeLeft(i: PricingInputs): Priced {
  if (i.stepsLeft === 0 && i.evalsLeft === 0) return { estimate: null, note: 'Nothing left to run.', left: 0 };
  const measured = i.stepTimes.filter((t) => t.warmSteps >= MIN_PACE_STEPS);
  if (i.stepsLeft > 0 && measured.length === 0)
    return { estimate: null, note: 'Measuring: the time left is priced once the first run has taken a few steps.', left: null };
  if (i.evalsLeft > 0 && i.evalSeconds.length === 0)
    return { estimate: null, note: 'Measuring: the time left is priced once the first evaluation has finished.', left: null };
  const warmSteps = measured.reduce((n, t) => n + t.warmSteps, 0);
  const paces = measured.map((t) => t.warmSeconds / t.warmSteps);
  const pace = measured.length ? measured.reduce((n, t) => n + t.warmSeconds, 0) / warmSteps : 0;
  const startup = i.startups.length ? mean(i.startups) : 0;
  const at = (stepPace: number, evalSeconds: number) => i.stepsLeft * stepPace + i.runsLeft * startup + i.evalsLeft * evalSeconds;
  const evals = i.evalSeconds.length ? i.evalSeconds : [0];
  const parts = [
    i.stepsLeft > 0
      ? `${pace.toFixed(2)} s a step (${warmSteps} steps of ${measured.length} run${measured.length === 1 ? '' : 's'} measured)`
      : null,
    i.runsLeft > 0
      ? i.startups.length
        ? `${formatSeconds(startup)} of start-up a run`
        : 'start-up of a run not measured yet (priced at 0)'
      : null,
    i.evalsLeft > 0 ? `${formatSeconds(mean(evals))} an evaluation (${i.evalSeconds.length} ${i.evalBasis})` : null,
  ].filter((p) => p !== null);
  const seconds = at(pace, mean(evals));
  const estimate: ExperimentEstimate = {
    seconds,
    low: at(paces.length ? Math.min(...paces) : 0, Math.min(...evals)) * 0.9,
    high: at(paces.length ? Math.max(...paces) : 0, Math.max(...evals)) * 1.2,
    basis: `${i.stepsLeft} step${i.stepsLeft === 1 ? '' : 's'}, ${i.runsLeft} run start${i.runsLeft === 1 ? '' : 's'} and ${i.evalsLeft} evaluation${i.evalsLeft === 1 ? '' : 's'} left, at ${parts.join(', ')}.`,
  };
  return { estimate, note: estimate.basis, left: seconds };
}
