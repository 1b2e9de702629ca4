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

/** The step axis: a step is its own x. */
const byStep = (step: number): number | undefined => step;

/**
 * x of each step of a run on an axis, from the columns the axis needs
 * (X_AXES[…].needs). A step with no value there (a run that logged no epoch)
 * has no x and its points are left out.
 */
export function stepToX(axis: XAxis, run: RunShape, series: MetricSeries): (step: number) => number | undefined {
  if (axis === 'step') return byStep;
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
  // Steps as they are: the stored columns, not a copy (50 runs × 2,000 points per chart).
  if (xOf === byStep && relative === null) return { x: column.steps, y: column.values };
  const x: number[] = [];
  const y: number[] = [];
  const scale = relative ? (relative.length > 0 ? 1 / relative.length : 0) : 1;
  for (let i = 0; i < column.steps.length; i++) {
    const at = xOf(column.steps[i]!);
    if (at === undefined) continue;
    x.push(at * scale);
    y.push(column.values[i]!);
  }
  return { x, y };
}

/** A run's length on an axis, for relative alignment: its planned steps, else its last x. */
export function runLength(axis: XAxis, run: RunShape, xOf: (step: number) => number | undefined, lastStep: number): number {
  if (axis === 'step') return run.totalSteps || lastStep;
  return xOf(lastStep) ?? 0;
}

function sameX(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The distinct values of sorted arrays, sorted (one numeric sort of them all, then one pass). */
function unionSorted(arrays: readonly (readonly number[])[]): number[] {
  const all = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let k = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) all[k++] = a[i]!;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}

/**
 * Lays curves over one shared, sorted x array with null where a curve has no
 * point. Runs logged at different x values (wall time, pairs) would make that
 * array as long as all their points together, so past `maxPoints` distinct
 * values x is snapped to `maxPoints` even steps over the range, each curve
 * keeping its last point in each. Curves on the same x (runs logged at the
 * same steps, the usual case) are handed over as they are.
 */
export function mergeCurves(curves: readonly Curve[], maxPoints = 4000): { x: number[]; ys: (number | null)[][] } {
  const first = curves[0];
  if (!first) return { x: [], ys: [] };
  if (first.x.length <= maxPoints && curves.every((c) => sameX(c.x, first.x))) return { x: first.x, ys: curves.map((c) => c.y) };
  let xs = unionSorted(curves.map((c) => c.x));
  // What a point is matched on: its x, or past maxPoints the even step it snaps to (monotone, so keys stay sorted).
  let keys = xs;
  let keyOf = (x: number) => x;
  if (xs.length > maxPoints) {
    const lo = xs[0]!;
    const width = (xs.at(-1)! - lo) / (maxPoints - 1);
    keyOf = (x) => Math.round((x - lo) / width);
    keys = [...new Set(xs.map(keyOf))];
    xs = keys.map((k) => lo + k * width);
  }
  const ys = curves.map((c) => {
    const y = new Array<number | null>(xs.length).fill(null);
    // Both sorted: walk the shared keys alongside the curve's points.
    let j = 0;
    for (let i = 0; i < c.x.length; i++) {
      const key = keyOf(c.x[i]!);
      while (j < keys.length - 1 && keys[j]! < key) j++;
      y[j] = c.y[i]!;
    }
    return y;
  });
  return { x: xs, ys };
}

/**
 * Fewer points for the screen: a chart some 600 px wide cannot show 2,000
 * points per line, yet drawing 100 such lines in 5 charts is what a 50-run
 * comparison costs. Past `2 × buckets` points, x is cut into `buckets` runs
 * of neighbouring points and each keeps two: its first and last x. A line
 * (`spiky` false: smoothed curves and means) keeps its values there; a spiky
 * one (raw points) keeps its lowest and highest value in the run, in the
 * order they came, so no spike disappears. Fewer points are returned as they are.
 */
export function decimate(
  x: readonly number[],
  ys: readonly (readonly (number | null)[])[],
  spiky: readonly boolean[],
  buckets = 250,
): { x: number[]; ys: (number | null)[][] } {
  const n = x.length;
  if (n <= 2 * buckets) return { x: x as number[], ys: ys as (number | null)[][] };
  const size = n / buckets;
  const bounds = Array.from({ length: buckets }, (_, b) => [Math.floor(b * size), Math.floor((b + 1) * size) - 1] as const);
  const outX = bounds.flatMap(([first, last]) => [x[first]!, x[last]!]);
  const outYs = ys.map((y, s) => {
    const out: (number | null)[] = [];
    for (const [first, last] of bounds) {
      if (!spiky[s]) {
        out.push(y[first] ?? null, y[last] ?? null);
        continue;
      }
      let lo = -1;
      let hi = -1;
      for (let i = first; i <= last; i++) {
        const v = y[i];
        if (v === null || v === undefined) continue;
        if (lo < 0 || v < y[lo]!) lo = i;
        if (hi < 0 || v > y[hi]!) hi = i;
      }
      if (lo < 0) out.push(null, null);
      else out.push(y[Math.min(lo, hi)]!, y[Math.max(lo, hi)]!);
    }
    return out;
  });
  return { x: outX, ys: outYs };
}
