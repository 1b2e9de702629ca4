import type { MetricSeries } from '../../../shared/runs';

/**
 * Where each run's points sit on the Compare page's x axis, and how several
 * runs' points share one x array (uPlot's data shape). Pure; the page and
 * its tests use the same functions.
 */

export type XAxis = 'step' | 'epoch' | 'pairs' | 'wall';

/**
 * The x axes the stored metrics allow. Tokens seen is not one: the trainer
 * logs tokens per second of a step's compute, and the step's compute time is
 * not stored apart from its evaluation and checkpoint.
 */
export const X_AXES: { id: XAxis; label: string; help: string; needs: string[] }[] = [
  { id: 'step', label: 'Step', help: 'Optimizer step.', needs: [] },
  { id: 'epoch', label: 'Epoch', help: 'Fractional epoch the trainer logs with each step.', needs: ['epoch'] },
  {
    id: 'pairs',
    label: 'Pairs seen',
    help: 'Training pairs seen: the fractional epoch × the run’s training pairs (the trainer logs the epoch, not the pairs; this is exact).',
    needs: ['epoch'],
  },
  {
    id: 'wall',
    label: 'Wall time (s)',
    help: 'Seconds of training: the sum of the logged step times (each with its evaluation and checkpoint); time paused is left out.',
    needs: ['step_seconds'],
  },
];

export function isXAxis(value: string | null | undefined): value is XAxis {
  return X_AXES.some((a) => a.id === value);
}

/** What a run contributes to its x mapping besides its metrics. */
export interface RunShape {
  trainPairs: number;
  totalSteps: number;
}

/**
 * x of each step of a run on an axis, from the columns the axis needs
 * (X_AXES[…].needs). A step with no value there (a run that logged no epoch)
 * has no x and its points are left out.
 */
export function stepToX(axis: XAxis, run: RunShape, series: MetricSeries): (step: number) => number | undefined {
  if (axis === 'step') return (step) => step;
  if (axis === 'epoch' || axis === 'pairs') {
    const column = series['epoch'];
    const scale = axis === 'pairs' ? run.trainPairs : 1;
    const map = new Map(column?.steps.map((s, i) => [s, column.values[i]! * scale]));
    return (step) => map.get(step);
  }
  const column = series['step_seconds'];
  const map = new Map<number, number>();
  let elapsed = 0;
  column?.steps.forEach((s, i) => {
    elapsed += column.values[i]!;
    map.set(s, elapsed);
  });
  return (step) => map.get(step);
}

/** A run's curve of one metric on the chosen axis: parallel x and y, sorted by x. */
export interface Curve {
  x: number[];
  y: number[];
}

/**
 * A metric column placed on the axis. With `relative`, x is the share of the
 * run done (0–1): steps over the run's planned total, other axes over the
 * run's last x — so runs of different lengths, or resumed ones, line up
 * (tensorboard #6969).
 */
export function toCurve(
  column: { steps: number[]; values: number[] },
  xOf: (step: number) => number | undefined,
  relative: { length: number } | null = null,
): Curve {
  const x: number[] = [];
  const y: number[] = [];
  column.steps.forEach((step, i) => {
    const at = xOf(step);
    if (at === undefined) return;
    x.push(relative ? (relative.length > 0 ? at / relative.length : 0) : at);
    y.push(column.values[i]!);
  });
  return { x, y };
}

/** A run's length on an axis, for relative alignment: its planned steps, else its last x. */
export function runLength(axis: XAxis, run: RunShape, xOf: (step: number) => number | undefined, lastStep: number): number {
  if (axis === 'step') return run.totalSteps || lastStep;
  return xOf(lastStep) ?? 0;
}

/**
 * Lays curves over one shared, sorted x array with null where a curve has no
 * point. Runs logged at different x values (wall time, pairs) would make that
 * array as long as all their points together, so past `maxPoints` distinct
 * values x is snapped to `maxPoints` even steps over the range, each curve
 * keeping its last point in each.
 */
export function mergeCurves(curves: readonly Curve[], maxPoints = 4000): { x: number[]; ys: (number | null)[][] } {
  let xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  let place: (x: number) => number;
  if (xs.length > maxPoints) {
    const lo = xs[0]!;
    const width = (xs.at(-1)! - lo) / (maxPoints - 1);
    const bin = (x: number) => Math.round((x - lo) / width);
    const used = [...new Set(xs.map(bin))].sort((a, b) => a - b);
    const index = new Map(used.map((b, i) => [b, i]));
    xs = used.map((b) => lo + b * width);
    place = (x) => index.get(bin(x))!;
  } else {
    const index = new Map(xs.map((x, i) => [x, i]));
    place = (x) => index.get(x)!;
  }
  const ys = curves.map((c) => {
    const y = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, i) => (y[place(x)] = c.y[i]!));
    return y;
  });
  return { x: xs, ys };
}
